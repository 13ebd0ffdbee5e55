package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.Printable;
import dev.kvstore.internal.ProgressLog;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waits of a {@link TcpKVStore}. Waits for keys block on the server (WAIT), in slices so that progress is logged;
 * only what the protocol cannot block on (a value changing, k of n keys) is polled, with bounded backoff. Each
 * wait holds its own {@link ConnectionLease}, so a long wait never delays other threads.
 */
final class TcpWaits {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);
    /** Polling what WAIT cannot block on: 1 ms, doubling up to 64 ms while nothing changes. */
    private static final Duration FIRST_POLL = Duration.ofMillis(1);
    private static final Duration MAX_POLL = Duration.ofMillis(64);

    private final Supplier<ConnectionLease> leases;
    private final Supplier<TcpProtocol> spoken;
    private final int maxKeysPerRequest;
    private final Duration progressInterval;

    /**
     * @param leases a new lease of the store's connections per wait
     * @param spoken the generation the connections speak (asked when a wait needs to know)
     * @param maxKeysPerRequest most keys in one WAIT, CHECK or MULTI_GET
     * @param progressInterval how often a long wait logs what it still misses
     */
    TcpWaits(Supplier<ConnectionLease> leases, Supplier<TcpProtocol> spoken, int maxKeysPerRequest,
            Duration progressInterval) {
        this.leases = leases;
        this.spoken = spoken;
        this.maxKeysPerRequest = maxKeysPerRequest;
        this.progressInterval = progressInterval;
    }

    /** {@link dev.kvstore.api.KVStore#waitForKey}: WAIT, then GET; a key deleted in between is waited for again. */
    byte[] waitForKey(String fullKey, Duration waitTimeout) {
        Deadline deadline = Deadline.after(waitTimeout);
        ProgressLog progress = progress("waitForKey '" + fullKey + "'", waitTimeout,
                () -> "the key does not exist yet");
        try (ConnectionLease lease = leases.get()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forKey(fullKey, waitTimeout);
                }
                Optional<byte[]> value = lease.readIfPresent(fullKey);
                if (value.isPresent()) {
                    return value.get();
                }
                // Deleted between WAIT and GET: wait again within the same deadline.
            }
        }
    }

    /** {@link dev.kvstore.api.KVStore#waitForValue}: WAIT for the key, then poll its value with backoff. */
    byte[] waitForValue(String fullKey, byte[] expected, Duration waitTimeout) {
        Deadline deadline = Deadline.after(waitTimeout);
        Backoff backoff = polling();
        byte[] @Nullable [] last = {null};
        ProgressLog progress = progress(
                "waitForValue '" + fullKey + "' = '" + Printable.of(expected) + "'", waitTimeout,
                () -> last[0] == null ? "the key does not exist"
                        : "it holds '" + Printable.of(last[0]) + "'");
        try (ConnectionLease lease = leases.get()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, null, waitTimeout);
                }
                byte @Nullable [] value = lease.readIfPresent(fullKey).orElse(null);
                if (value != null && Arrays.equals(value, expected)) {
                    return value;
                }
                if (!Arrays.equals(value, last[0])) {
                    backoff.reset();
                }
                last[0] = value;
                if (deadline.hasPassed()) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, value, waitTimeout);
                }
                progress.logIfDue();
                // TCPStore cannot block on a value change: poll, backing off while nothing changes.
                pause(backoff, deadline);
            }
        }
    }

    /**
     * {@link dev.kvstore.api.KVStore#waitForKeys} among candidates the caller named, at least as many as expected.
     * When every candidate is needed the server blocks (WAIT); otherwise the candidates are polled with backoff.
     *
     * @param candidates the candidate keys relative to the component, without duplicates
     */
    List<String> waitForKeys(KeyLayout keyLayout, KeyPattern pattern, int expectedCount, byte @Nullable [] value,
            Duration waitTimeout, List<String> candidates) {
        List<String> fullKeys = candidates.stream().map(keyLayout::fullKey).toList();
        List<String> wireKeys = fullKeys.stream().map(TcpStoreClient::wireKey).toList();
        boolean allNeeded = expectedCount == candidates.size();
        Deadline deadline = Deadline.after(waitTimeout);
        @Nullable KeysState[] last = {null};
        try (ConnectionLease lease = leases.get()) {
            ProgressLog progress = progress("waitForKeys '" + keyLayout.componentPrefix() + pattern + "' ("
                    + expectedCount + " of " + candidates.size() + " candidates)", waitTimeout, () -> {
                        KeysState state = readKeys(lease, candidates, fullKeys, value); // fresh, once per interval
                        return state.matched.size() + " matched; missing candidates: " + state.missing;
                    });
            return poll(() -> {
                // WAIT blocks on the server until all keys exist: usable when every candidate is needed.
                if (allNeeded && !awaitKeys(lease, wireKeys, deadline, progress)) {
                    KeysState state = readKeys(lease, candidates, fullKeys, value);
                    if (state.matched.size() < expectedCount) {
                        throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value,
                                expectedCount, state.matched, state.missing, waitTimeout);
                    }
                    return state;
                }
                return readKeys(lease, candidates, fullKeys, value);
            }, keyLayout, pattern, expectedCount, value, waitTimeout, deadline, progress, last, true);
        }
    }

    /**
     * {@link dev.kvstore.api.KVStore#waitForKeys} on a master that lists keys: the keys under the pattern's literal
     * prefix (LIST_KEYS, streamed) that match it are the candidates, read again with backoff until enough hold the
     * value. TCPStore cannot block until a key appears under a prefix, so this polls.
     */
    List<String> waitForListedKeys(KeyLayout keyLayout, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration waitTimeout) {
        String componentPrefix = TcpStoreClient.wireKey(keyLayout.componentPrefix());
        String wirePrefix = componentPrefix + pattern.literalPrefix();
        Deadline deadline = Deadline.after(waitTimeout);
        @Nullable KeysState[] last = {null};
        try (ConnectionLease lease = leases.get()) {
            ProgressLog progress = progress("waitForKeys '" + keyLayout.componentPrefix() + pattern + "' ("
                    + expectedCount + " keys, listed from the master)", waitTimeout, () -> {
                        KeysState state = last[0];
                        return state == null ? "nothing read yet"
                                : state.matched.size() + " matched; listed keys with another value: " + state.missing;
                    });
            return poll(() -> {
                List<String> candidates = new ArrayList<>();
                lease.client().streamWireKeys(wire -> {
                    if (wire.startsWith(wirePrefix)) {
                        String key = wire.substring(componentPrefix.length());
                        if (pattern.matches(key)) {
                            candidates.add(key);
                        }
                    }
                });
                List<String> fullKeys = candidates.stream().map(keyLayout::fullKey).toList();
                return readKeys(lease, candidates, fullKeys, value);
            }, keyLayout, pattern, expectedCount, value, waitTimeout, deadline, progress, last, false);
        }
    }

    /**
     * Reads the keys until enough match, backing off while the matches do not change, and times out at the deadline
     * with what the last read found ({@code namesMissing}: the candidates that did not match, known only when the
     * caller named the candidates).
     *
     * @param last the last read, shared with the wait's progress log
     */
    private static List<String> poll(Supplier<KeysState> read, KeyLayout keyLayout, KeyPattern pattern,
            int expectedCount, byte @Nullable [] value, Duration waitTimeout, Deadline deadline, ProgressLog progress,
            @Nullable KeysState[] last, boolean namesMissing) {
        Backoff backoff = polling();
        while (true) {
            KeysState state = read.get();
            if (state.matched.size() >= expectedCount) {
                return state.matched;
            }
            if (last[0] == null || !state.matched.equals(last[0].matched)) {
                backoff.reset();
            }
            last[0] = state;
            if (deadline.hasPassed()) {
                throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value, expectedCount,
                        state.matched, namesMissing ? state.missing : null, waitTimeout);
            }
            progress.logIfDue();
            pause(backoff, deadline);
        }
    }

    /** Which candidates match now (relative keys) and which do not. */
    private record KeysState(List<String> matched, List<String> missing) {
    }

    private KeysState readKeys(ConnectionLease lease, List<String> candidates, List<String> fullKeys,
            byte @Nullable [] value) {
        @Nullable List<byte[]> values = value == null ? null : readAllAtOnce(lease, fullKeys);
        List<String> matched = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            boolean matches;
            if (values != null) {
                matches = Arrays.equals(values.get(i), value);
            } else if (value == null) {
                matches = lease.client().check(List.of(fullKeys.get(i)));
            } else {
                matches = lease.readIfPresent(fullKeys.get(i)).map(v -> Arrays.equals(v, value)).orElse(false);
            }
            (matches ? matched : missing).add(candidates.get(i));
        }
        return new KeysState(matched, missing);
    }

    /**
     * MULTI_GETs (of at most {@code maxKeysPerRequest} keys each) when every key exists and the protocol has it;
     * {@code null} to fall back to key by key.
     */
    private @Nullable List<byte[]> readAllAtOnce(ConnectionLease lease, List<String> fullKeys) {
        if (!Command.MULTI_GET.existsIn(spoken.get())) {
            return null;
        }
        List<byte[]> values = new ArrayList<>(fullKeys.size());
        for (List<String> part : partition(fullKeys)) {
            if (!lease.client().check(part)) {
                return null;
            }
            try {
                values.addAll(lease.client().multiGet(part));
            } catch (KVStoreConnectionException e) {
                return null; // A key was deleted after CHECK and the server dropped the connection.
            }
        }
        return values;
    }

    /** @return the keys in consecutive runs of at most {@code maxKeysPerRequest} */
    private List<List<String>> partition(List<String> keys) {
        if (keys.size() <= maxKeysPerRequest) {
            return List.of(keys);
        }
        List<List<String>> parts = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += maxKeysPerRequest) {
            parts.add(keys.subList(from, Math.min(keys.size(), from + maxKeysPerRequest)));
        }
        return parts;
    }

    /**
     * Blocks on the server (WAIT) until the keys (wire form) exist, in slices so that progress is logged, and in
     * requests of at most {@code maxKeysPerRequest} keys (a master closes the connection of a longer one).
     *
     * @return whether they all exist; {@code false} once the deadline passed
     */
    boolean awaitKeys(ConnectionLease lease, List<String> wireKeys, Deadline deadline, ProgressLog progress) {
        for (List<String> part : partition(wireKeys)) {
            if (!awaitAll(lease, part, deadline, progress)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #awaitKeys} for keys that fit one request. */
    private static boolean awaitAll(ConnectionLease lease, List<String> wireKeys, Deadline deadline,
            ProgressLog progress) {
        while (true) {
            long leftNanos = deadline.nanosLeft();
            if (leftNanos < 1_000_000) {
                return lease.client().checkRaw(wireKeys);
            }
            Duration slice = Duration.ofNanos(Math.max(1_000_000, Math.min(leftNanos, progress.nanosToNextLog())));
            TcpStoreClient client = lease.client(); // outside the try: failing to connect is not a slice timeout
            try {
                client.waitRaw(wireKeys, slice);
                return true;
            } catch (KVStoreTimeoutException e) {
                // A slice ended (LEGACY closed the connection; the lease reconnects): log progress, go on.
                progress.logIfDue();
            }
        }
    }

    /** @return a progress log of a wait, at this store's interval */
    ProgressLog progress(String what, Duration timeout, Supplier<String> state) {
        return new ProgressLog(log, progressInterval, what, timeout, state);
    }

    /** @return the backoff of polling what the protocol cannot block on */
    static Backoff polling() {
        return new Backoff(FIRST_POLL, MAX_POLL);
    }

    /** Sleeps the backoff's next pause, never past the deadline. */
    static void pause(Backoff backoff, Deadline deadline) {
        try {
            backoff.sleep(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted while waiting on the TCPStore", e);
        }
    }
}
