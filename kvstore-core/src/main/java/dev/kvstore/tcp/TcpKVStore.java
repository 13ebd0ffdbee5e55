package dev.kvstore.tcp;

import dev.kvstore.api.AbstractKVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyLayout;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.recipes.CompareAndSetLock;
import dev.kvstore.recipes.ThreadReentrantLock;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link dev.kvstore.api.KVStore} over PyTorch's c10d TCPStore protocol. As the master
 * ({@link Builder#master(boolean)}) it starts an embedded TCPStore server on {@code host:port} first, like
 * {@code torch.distributed.TCPStore(is_master=True)}; every instance then connects to the master as a client.
 *
 * <p>Keys are {@code {namespace}/{component}/{key}} and go on the wire with PyTorch's {@code "/"} prefix, so a Python
 * process sees the Java key {@code k} of namespace {@code ns} and component {@code comp} as
 * {@code store.get("ns/comp/k")}. Values are raw bytes; see {@code docs/tcp-client.md} for Python interop.
 *
 * <p>Thread-safe: operations borrow a connection from a small pool, and every blocking wait has its own
 * connection, so a long wait never delays other threads. Waits for keys block on the server (WAIT); only what the
 * protocol cannot block on (a value changing, k of n keys) is polled, with bounded exponential backoff.
 *
 * <p>{@code close(true)} deletes this namespace's keys only where the server can list them (LIST_KEYS: the
 * {@link ProtocolGeneration#MODERN} protocol against PyTorch 2.10+ or the Java server); otherwise it logs that
 * TCPStore cannot enumerate keys and leaves them (a master's keys go away with its server).
 */
public final class TcpKVStore extends AbstractKVStore {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);

    /** Long waits log what is still missing this often. */
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(30);
    private static final int MAX_IDLE_CONNECTIONS = 16;
    private static final int GET_ATTEMPTS = 3;

    private final String host;
    private final int port;
    private final ProtocolGeneration protocol;
    private final Duration timeout;
    private final boolean master;
    private final Duration progressInterval;
    private final EmbeddedMaster server;
    private final TcpConnectionPool pool;

    private TcpKVStore(Builder builder) {
        super(builder.namespace, builder.component);
        this.host = builder.host;
        this.protocol = builder.protocol;
        this.timeout = builder.timeout;
        this.master = builder.master;
        this.progressInterval = builder.progressInterval;
        EmbeddedMaster embedded = null;
        if (builder.master) {
            embedded = EmbeddedMaster.start(builder.host, builder.port, builder.serverLegacyProtocol,
                    builder.serverCustomizer);
            this.port = embedded.port();
        } else {
            if (builder.port == 0) {
                throw new IllegalArgumentException("port 0 (a free port) is only valid for a master");
            }
            this.port = builder.port;
        }
        this.server = embedded;
        // A master bound to the wildcard address reaches its own server over loopback.
        String connectHost = builder.master && (host.equals("0.0.0.0") || host.equals("::")) ? "127.0.0.1" : host;
        this.pool = new TcpConnectionPool(connectHost, port, protocol, timeout, MAX_IDLE_CONNECTIONS);
        try {
            // Connect now, so that an unreachable master fails the build rather than the first call.
            pool.release(pool.borrow());
            if (builder.worldSize != null) {
                register(builder.worldSize, builder.master && builder.waitForWorkers);
            }
        } catch (RuntimeException e) {
            pool.close();
            closeServer();
            throw e;
        }
    }

    /** @return a builder with the defaults of {@code torch.distributed.TCPStore} and the seed's key layout */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the master's host */
    public String host() {
        return host;
    }

    /** @return the master's port (for a master built with port 0: the port its server picked) */
    public int port() {
        return port;
    }

    /** @return the protocol generation this store speaks */
    public ProtocolGeneration protocol() {
        return protocol;
    }

    /** @return whether this instance hosts the embedded TCPStore server */
    public boolean isMaster() {
        return master;
    }

    /**
     * @return the embedded TCPStore server of a master (for its {@link TcpStoreServer#status() status}: serving or
     *     not, loop restarts, refusals), empty for a client of another master
     */
    public Optional<TcpStoreServer> embeddedServer() {
        return Optional.ofNullable(server).map(EmbeddedMaster::server);
    }

    // --- world size ----------------------------------------------------------------------------------------------

    /** Adds this process to PyTorch's {@code init/} counter and, for a waiting master, waits for the others. */
    private void register(int worldSize, boolean waitForAll) {
        long joined = withConnection(client -> client.addRaw(TcpStoreClient.INIT_KEY, 1));
        log.debug("Registered with TCPStore {}:{}: {}/{} processes joined", host, port, joined, worldSize);
        if (!waitForAll || joined >= worldSize) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = Backoff.polling();
        long[] seen = {joined};
        Progress progress = new Progress(progressInterval,
                "the master waits for " + worldSize + " TCPStore clients", () -> seen[0] + "/" + worldSize + " joined");
        try (Lease lease = new Lease()) {
            while (true) {
                // init/ exists (we added to it), so this WAIT only guards against a reset server; then read it.
                awaitKeys(lease, List.of(TcpStoreClient.INIT_KEY), deadline, progress);
                long now = parseCounter(lease.client().getRaw(TcpStoreClient.INIT_KEY));
                if (now >= worldSize) {
                    log.info("All {} TCPStore clients joined {}:{}", worldSize, host, port);
                    return;
                }
                if (now != seen[0]) {
                    seen[0] = now;
                    backoff.reset();
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new KVStoreTimeoutException("Timed out after " + seconds(timeout)
                            + " seconds waiting for clients. " + now + "/" + worldSize + " clients joined.");
                }
                progress.maybeLog();
                backoff.sleep(deadline);
            }
        }
    }

    private static long parseCounter(byte[] value) {
        try {
            return Long.parseLong(new String(value, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            throw new KVStoreException("the TCPStore worker counter 'init/' holds '" + TcpStoreClient.printable(value)
                    + "', not a decimal number", e);
        }
    }

    // --- quick operations ----------------------------------------------------------------------------------------

    @Override
    protected void doSet(String fullKey, byte[] value) {
        withConnection(client -> {
            // Acknowledged: a read on another pooled connection must see the value once set returns.
            client.setAcknowledged(fullKey, value);
            return null;
        });
    }

    @Override
    protected Optional<byte[]> doGet(String fullKey) {
        try (Lease lease = new Lease()) {
            return readIfPresent(lease, fullKey);
        }
    }

    @Override
    protected boolean doExists(String fullKey) {
        return withConnection(client -> client.check(List.of(fullKey)));
    }

    @Override
    protected boolean doDelete(String fullKey) {
        return withConnection(client -> client.deleteKey(fullKey));
    }

    @Override
    protected long doAdd(String fullKey, long delta) {
        try {
            return withConnection(client -> client.add(fullKey, delta));
        } catch (KVStoreConnectionException e) {
            // The PyTorch master drops the connection when the value is not a number: say so if that is the case.
            Optional<byte[]> current = doGet(fullKey);
            if (current.isPresent() && !isDecimal(current.get())) {
                throw new KVStoreException("cannot add to key '" + fullKey + "': it holds '"
                        + TcpStoreClient.printable(current.get()) + "', not a decimal number", e);
            }
            throw e;
        }
    }

    private static boolean isDecimal(byte[] value) {
        try {
            Long.parseLong(new String(value, StandardCharsets.UTF_8));
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    protected boolean doCompareAndSet(String fullKey, byte[] expected, byte[] desired) {
        byte[] expectedOnWire = expected == null ? new byte[0] : expected;
        return withConnection(client -> {
            byte[] after = client.compareSet(fullKey, expectedOnWire, desired);
            if (!Arrays.equals(after, desired)) {
                return false;
            }
            if (expected != null && expected.length > 0 && Arrays.equals(expected, desired)) {
                // A missing key makes the server echo 'expected', which equals 'desired' here: ask.
                return client.check(List.of(fullKey));
            }
            return true;
        });
    }

    // --- waits ---------------------------------------------------------------------------------------------------

    @Override
    protected byte[] doWaitForKey(String fullKey, Duration waitTimeout) {
        long deadline = deadline(waitTimeout);
        Progress progress = new Progress(progressInterval, "waitForKey '" + fullKey + "'",
                () -> "the key does not exist yet");
        try (Lease lease = new Lease()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forKey(fullKey, waitTimeout);
                }
                Optional<byte[]> value = readIfPresent(lease, fullKey);
                if (value.isPresent()) {
                    return value.get();
                }
                // Deleted between WAIT and GET: wait again within the same deadline.
            }
        }
    }

    @Override
    protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration waitTimeout) {
        long deadline = deadline(waitTimeout);
        Backoff backoff = Backoff.polling();
        byte[][] last = {null};
        Progress progress = new Progress(progressInterval,
                "waitForValue '" + fullKey + "' = '" + TcpStoreClient.printable(expected) + "'",
                () -> last[0] == null ? "the key does not exist"
                        : "it holds '" + TcpStoreClient.printable(last[0]) + "'");
        try (Lease lease = new Lease()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, null, waitTimeout);
                }
                byte[] value = readIfPresent(lease, fullKey).orElse(null);
                if (value != null && Arrays.equals(value, expected)) {
                    return value;
                }
                if (!Arrays.equals(value, last[0])) {
                    backoff.reset();
                }
                last[0] = value;
                if (System.nanoTime() - deadline >= 0) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, value, waitTimeout);
                }
                progress.maybeLog();
                // TCPStore cannot block on a value change: poll, backing off while nothing changes.
                backoff.sleep(deadline);
            }
        }
    }

    @Override
    protected List<String> doWaitForKeys(KeyLayout keyLayout, KeyPattern pattern, int expectedCount, byte[] value,
            Duration waitTimeout, List<String> candidateKeys) {
        if (candidateKeys == null) {
            throw new IllegalArgumentException("TCPStore cannot list keys: waitForKeys needs candidateKeys, the keys "
                    + "that may match '" + pattern + "' (for example one per rank)");
        }
        List<String> candidates = new ArrayList<>(new LinkedHashSet<>(candidateKeys));
        if (candidates.size() < expectedCount) {
            throw new IllegalArgumentException("waitForKeys expects " + expectedCount + " keys matching '" + pattern
                    + "' but only " + candidates.size() + " candidate keys match it: " + candidates);
        }
        List<String> fullKeys = candidates.stream().map(keyLayout::fullKey).toList();
        List<String> wireKeys = fullKeys.stream().map(TcpStoreClient::wireKey).toList();
        boolean allNeeded = expectedCount == candidates.size();
        long deadline = deadline(waitTimeout);
        Backoff backoff = Backoff.polling();
        KeysState[] last = {null};
        try (Lease lease = new Lease()) {
            Progress progress = new Progress(progressInterval, "waitForKeys '" + keyLayout.componentPrefix() + pattern
                    + "' (" + expectedCount + " of " + candidates.size() + " candidates)", () -> {
                        KeysState state = readKeys(lease, candidates, fullKeys, value); // fresh, once per interval
                        return state.matched.size() + " matched; missing candidates: " + state.missing;
                    });
            while (true) {
                // WAIT blocks on the server until all keys exist: usable when every candidate is needed.
                if (allNeeded && !awaitKeys(lease, wireKeys, deadline, progress)) {
                    KeysState state = readKeys(lease, candidates, fullKeys, value);
                    if (state.matched.size() >= expectedCount) {
                        return state.matched;
                    }
                    throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value, expectedCount,
                            state.matched, state.missing, waitTimeout);
                }
                KeysState state = readKeys(lease, candidates, fullKeys, value);
                if (state.matched.size() >= expectedCount) {
                    return state.matched;
                }
                if (last[0] == null || !state.matched.equals(last[0].matched)) {
                    backoff.reset();
                }
                last[0] = state;
                if (System.nanoTime() - deadline >= 0) {
                    throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value, expectedCount,
                            state.matched, state.missing, waitTimeout);
                }
                progress.maybeLog();
                backoff.sleep(deadline);
            }
        }
    }

    /** Which candidates match now (relative keys) and which do not. */
    private record KeysState(List<String> matched, List<String> missing) {
    }

    private KeysState readKeys(Lease lease, List<String> candidates, List<String> fullKeys, byte[] value) {
        List<byte[]> values = value == null ? null : readAllAtOnce(lease, fullKeys);
        List<String> matched = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            boolean matches;
            if (values != null) {
                matches = Arrays.equals(values.get(i), value);
            } else if (value == null) {
                matches = lease.client().check(List.of(fullKeys.get(i)));
            } else {
                matches = readIfPresent(lease, fullKeys.get(i)).map(v -> Arrays.equals(v, value)).orElse(false);
            }
            (matches ? matched : missing).add(candidates.get(i));
        }
        return new KeysState(matched, missing);
    }

    /** One MULTI_GET when every key exists and the protocol has it; {@code null} to fall back to key by key. */
    private List<byte[]> readAllAtOnce(Lease lease, List<String> fullKeys) {
        if (!protocol.supports(ProtocolGeneration.Command.MULTI_GET) || !lease.client().check(fullKeys)) {
            return null;
        }
        try {
            return lease.client().multiGet(fullKeys);
        } catch (KVStoreConnectionException e) {
            return null; // A key was deleted after CHECK and the server dropped the connection.
        }
    }

    /**
     * Blocks on the server (WAIT) until the keys (wire form) exist, in slices so that progress is logged.
     *
     * @return whether they all exist; {@code false} once the deadline passed
     */
    private boolean awaitKeys(Lease lease, List<String> wireKeys, long deadline, Progress progress) {
        while (true) {
            long leftNanos = deadline - System.nanoTime();
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
                progress.maybeLog();
            }
        }
    }

    /**
     * GET after CHECK. The PyTorch master drops the connection on GET of a missing key: a key deleted between the
     * CHECK and the GET reads as absent, never as an empty value.
     */
    private Optional<byte[]> readIfPresent(Lease lease, String fullKey) {
        String wire = TcpStoreClient.wireKey(fullKey);
        KVStoreConnectionException failure = null;
        for (int attempt = 0; attempt < GET_ATTEMPTS; attempt++) {
            if (!lease.client().checkRaw(List.of(wire))) {
                return Optional.empty();
            }
            try {
                byte[] value = lease.client().getRaw(wire);
                if (value.length == 0 && !lease.client().checkRaw(List.of(wire))) {
                    return Optional.empty(); // A server that answers GET of a missing key with no bytes.
                }
                return Optional.of(value);
            } catch (KVStoreConnectionException e) {
                failure = e;
            }
        }
        throw failure;
    }

    // --- listing -------------------------------------------------------------------------------------------------

    /**
     * LIST_KEYS, streamed through a bounded {@link KeyPage.Collector}: the Java master and PyTorch 2.10+ masters
     * have it, with the MODERN protocol. An older master drops the connection on the unknown opcode; that is told
     * apart from a lost master by asking it for its key count on a new connection.
     */
    @Override
    protected KeyPage doListKeys(KeyLayout keyLayout, String prefix, String continueAfter, int limit) {
        String unsupported = "TCPStore cannot list keys here: LIST_KEYS needs a master that has it (the Java "
                + "TcpStoreServer or PyTorch 2.10+) and the MODERN protocol";
        if (!protocol.supports(ProtocolGeneration.Command.LIST_KEYS)) {
            throw new UnsupportedOperationException(unsupported + "; this store speaks " + protocol);
        }
        String wirePrefix = TcpStoreClient.wireKey(keyLayout.componentPrefix()) + prefix;
        int relativeStart = wirePrefix.length() - prefix.length();
        KeyPage.Collector page = new KeyPage.Collector(continueAfter, limit);
        try {
            withConnection(client -> {
                client.streamWireKeys(wire -> {
                    if (wire.startsWith(wirePrefix)) {
                        page.offer(wire.substring(relativeStart));
                    }
                });
                return null;
            });
        } catch (KVStoreConnectionException e) {
            try {
                withConnection(TcpStoreClient::numKeys);
            } catch (RuntimeException stillDown) {
                throw e; // the master is gone, not just missing LIST_KEYS
            }
            throw new UnsupportedOperationException(unsupported + "; the master at " + host + ":" + port
                    + " closed the connection on LIST_KEYS (PyTorch before 2.10)", e);
        }
        return page.page();
    }

    // --- locks ---------------------------------------------------------------------------------------------------

    /** Compare-and-set with an owner token; a crashed holder's lock stays until its owner key is deleted. */
    @Override
    protected KVLock newLock(KVStore view, KeyLayout keyLayout, String name) {
        return new ThreadReentrantLock(name, new CompareAndSetLock(view, name));
    }

    // --- leases --------------------------------------------------------------------------------------------------

    private static final String NO_LEASES = "TCPStore has no leases or ephemeral keys: the master (a torch master "
            + "in particular) cannot tell that a process died, so its keys stay until deleted; use the etcd backend "
            + "for keys that must vanish with their owner";

    @Override
    protected void doSetEphemeral(String fullKey, byte[] value) {
        throw new UnsupportedOperationException(NO_LEASES);
    }

    @Override
    public void onLeaseLoss(Consumer<String> listener) {
        throw new UnsupportedOperationException(NO_LEASES);
    }

    /** TCPStore has no prefix watch; see docs/recipes.md. */
    @Override
    protected KVWatch doWatch(KeyLayout keyLayout, String prefix, KVWatch.Listener listener) {
        throw new UnsupportedOperationException("TCPStore cannot watch keys: its protocol has no subscription to "
                + "changes under a prefix (PyTorch 1.13's WATCH_KEY watches single keys on a legacy callback "
                + "connection, and the Java master would need server changes); use the etcd backend for watches");
    }

    // --- close ---------------------------------------------------------------------------------------------------

    @Override
    protected void doClose(boolean cleanup) {
        try {
            if (cleanup) {
                deleteNamespace();
            }
        } finally {
            pool.close();
            closeServer();
        }
    }

    private void deleteNamespace() {
        String where = master ? " They go away with this master's server, which closes now."
                : " They stay on the master until it exits.";
        if (!protocol.supports(ProtocolGeneration.Command.LIST_KEYS)) {
            log.info("TCPStore cannot enumerate keys with the {} protocol: the keys of namespace '{}' were not "
                    + "deleted.{}", protocol, namespace(), where);
            return;
        }
        String prefix = layout().namespacePrefix();
        try (Lease lease = new Lease()) {
            int deleted = 0;
            for (String key : lease.client().listKeys()) {
                if (key.startsWith(prefix) && lease.client().deleteKey(key)) {
                    deleted++;
                }
            }
            log.debug("Deleted {} keys of namespace '{}' from TCPStore {}:{}", deleted, namespace(), host, port);
        } catch (KVStoreConnectionException e) {
            log.info("The TCPStore master {}:{} cannot list keys (LIST_KEYS needs PyTorch 2.10+ or the Java "
                    + "server): the keys of namespace '{}' were not deleted.{}", host, port, namespace(), where);
        }
    }

    private void closeServer() {
        if (server != null) {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("Closing the embedded TCPStore server {}:{} failed", host, port, e);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private <T> T withConnection(java.util.function.Function<TcpStoreClient, T> operation) {
        TcpStoreClient client = pool.borrow();
        try {
            return operation.apply(client);
        } finally {
            pool.release(client);
        }
    }

    private static long deadline(Duration timeout) {
        long nanos = timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE / 4 : timeout.toNanos();
        return System.nanoTime() + nanos;
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
    }

    /** A connection held for the length of one operation; replaced transparently when it was closed. */
    private final class Lease implements AutoCloseable {

        private TcpStoreClient client;

        TcpStoreClient client() {
            if (client == null || !client.isOpen()) {
                if (client != null) {
                    pool.release(client);
                    client = null;
                }
                client = pool.borrow();
            }
            return client;
        }

        @Override
        public void close() {
            if (client != null) {
                pool.release(client);
                client = null;
            }
        }
    }

    /** Logs what a long wait still misses: at DEBUG when it starts, then every interval (30 s) at INFO. */
    private static final class Progress {

        private final String what;
        private final Supplier<String> state;
        private final long start = System.nanoTime();
        private final Duration interval;
        private long nextLog;

        Progress(Duration interval, String what, Supplier<String> state) {
            this.interval = interval;
            this.what = what;
            this.state = state;
            this.nextLog = start + interval.toNanos();
            log.debug("Waiting: {}", what);
        }

        long nanosToNextLog() {
            return Math.max(1_000_000, nextLog - System.nanoTime());
        }

        void maybeLog() {
            long now = System.nanoTime();
            if (now - nextLog < 0) {
                return;
            }
            nextLog = now + interval.toNanos();
            String current;
            try {
                current = state.get();
            } catch (RuntimeException e) {
                current = "state unknown (" + e.getMessage() + ")";
            }
            log.info("Still waiting after {} s: {}: {}", Duration.ofNanos(now - start).toSeconds(), what, current);
        }
    }

    /** Bounded exponential backoff for what the protocol cannot block on: 1 ms doubling up to 64 ms. */
    private static final class Backoff {

        private static final long FIRST_NANOS = 1_000_000;
        private static final long MAX_NANOS = 64_000_000;
        private long next = FIRST_NANOS;

        static Backoff polling() {
            return new Backoff();
        }

        void reset() {
            next = FIRST_NANOS;
        }

        /** Sleeps the current step (never past the deadline) and doubles it. */
        void sleep(long deadline) {
            long nanos = Math.min(next, Math.max(0, deadline - System.nanoTime()));
            next = Math.min(next * 2, MAX_NANOS);
            if (nanos <= 0) {
                return;
            }
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreException("interrupted while waiting on the TCPStore", e);
            }
        }
    }

    /** Builds a {@link TcpKVStore}; every setter has a default. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 29500;
        private Integer worldSize;
        private boolean master;
        private Duration timeout = Duration.ofSeconds(300);
        private boolean waitForWorkers = true;
        private String namespace = "default";
        private String component = "tensorbus";
        private ProtocolGeneration protocol = ProtocolGeneration.MODERN;
        private ProtocolGeneration serverLegacyProtocol = ProtocolGeneration.LEGACY;
        private Consumer<TcpStoreServer.Builder> serverCustomizer = server -> { };
        private Duration progressInterval = PROGRESS_INTERVAL;

        private Builder() {
        }

        /** Host of the master: where clients connect, and the address the master's server binds to. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port of the master (default 29500, torchrun's default); 0 lets a master pick a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Number of processes of the job, master included. When set, every instance registers on the
         * {@code init/} counter as PyTorch does, and a master with {@link #waitForWorkers(boolean)} waits for all.
         * {@code null} (the default) registers nothing.
         */
        public Builder worldSize(Integer worldSize) {
            if (worldSize != null && worldSize < 1) {
                throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
            }
            this.worldSize = worldSize;
            return this;
        }

        /** Whether this instance hosts the TCPStore server (rank 0). */
        public Builder master(boolean master) {
            this.master = master;
            return this;
        }

        /** Bound of connecting, of waiting for workers, and of each request (default 300 s, as PyTorch). */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Whether the master blocks at construction until {@code worldSize} processes registered (default true). */
        public Builder waitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /** The protocol generation of the master this client talks to (default {@link ProtocolGeneration#MODERN}). */
        public Builder protocol(ProtocolGeneration protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * For a master: the numbering its server uses for clients that send no VALIDATE handshake
         * ({@link ProtocolGeneration#LEGACY} for torch 1.13/2.0, the default, or {@link ProtocolGeneration#V2_1}).
         */
        public Builder serverLegacyProtocol(ProtocolGeneration serverLegacyProtocol) {
            if (serverLegacyProtocol == ProtocolGeneration.MODERN) {
                throw new IllegalArgumentException("serverLegacyProtocol must be LEGACY or V2_1");
            }
            this.serverLegacyProtocol = Objects.requireNonNull(serverLegacyProtocol, "serverLegacyProtocol");
            return this;
        }

        /**
         * For a master: adjusts its embedded {@link TcpStoreServer} before it starts, typically its limits
         * ({@code server -> server.maxValueBytes(1 << 20).maxStoreBytes(256L << 20)}). Host, port and legacy protocol
         * are always this builder's.
         */
        public Builder server(Consumer<TcpStoreServer.Builder> serverCustomizer) {
            this.serverCustomizer = Objects.requireNonNull(serverCustomizer, "serverCustomizer");
            return this;
        }

        /** How often long waits log progress (default 30 s); package-private for tests. */
        Builder progressInterval(Duration progressInterval) {
            this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
            return this;
        }

        /**
         * Connects (starting the embedded server first if this is the master) and, where configured, registers
         * and waits for workers.
         *
         * @throws dev.kvstore.api.KVStoreTimeoutException if the master or the workers did not show up in time
         * @throws dev.kvstore.api.KVStoreConnectionException if the master cannot be reached or its port is taken
         */
        public TcpKVStore build() {
            return new TcpKVStore(this);
        }
    }
}
