package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ServerSnapshot} from the loop's state. Runs on the event-loop thread only; its work is bounded by the
 * {@link SnapshotQuery}: the key page costs one pass over the keys and a heap of {@code keyLimit}, never a full sort.
 */
final class SnapshotTaker {

    private final StoreState store;
    private final ServerLimits limits;

    SnapshotTaker(StoreState store, ServerLimits limits) {
        this.store = store;
        this.limits = limits;
    }

    /**
     * Takes a snapshot on the loop's thread, between two batches of requests, and waits at most {@code timeout} for it.
     *
     * @param server the server, for error messages
     * @throws TcpStoreServerException if the loop did not take it within the timeout (it is busy or stuck)
     */
    ServerSnapshot takeOn(EventLoop loop, SnapshotQuery query, Duration timeout, String server) {
        CompletableFuture<ServerSnapshot> result = new CompletableFuture<>();
        loop.submit(() -> {
            try {
                result.complete(take(query, loop.connections()));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            result.cancel(false);
            throw new TcpStoreServerException("the event loop of " + server + " did not take a snapshot within "
                    + timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("taking a snapshot of " + server + " failed: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a snapshot of " + server, e);
        }
    }

    /** Takes a snapshot; on the loop's thread only. */
    ServerSnapshot take(SnapshotQuery query, Collection<Connection> connections) {
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        List<ServerSnapshot.Client> clients = connections.stream()
                .sorted(Comparator.comparingLong((Connection c) -> c.connectedAtMillis))
                .limit(query.clientLimit())
                .map(c -> client(c, now, nowNanos))
                .toList();
        KeyPage page = keyPage(query);
        List<ServerSnapshot.Key> keys = new ArrayList<>(page.names().size());
        for (String name : page.names()) {
            keys.add(key(name, store.values().get(name), query));
        }
        return new ServerSnapshot(now, connections.size(), clients, store.keyCount(), keys, page.nextAfter(),
                store.storedBytes(), limits.maxStoreBytes(),
                initRegistrations(store.values().get(ServerSnapshot.INIT_KEY)), store.waiters().waiterCount(),
                missing(query.clientLimit(), now, nowNanos), ended(now, nowNanos));
    }

    private List<ServerSnapshot.EndedWait> ended(Instant now, long nowNanos) {
        List<ServerSnapshot.EndedWait> ended = new ArrayList<>(KeyWaiters.ENDED_KEPT);
        for (KeyWaiters.Ended wait : store.waiters().recentlyEnded()) {
            ended.add(new ServerSnapshot.EndedWait(wait.keys().stream().map(SnapshotTaker::text).toList(),
                    wait.client(), since(now, nowNanos, wait.sinceNanos()), since(now, nowNanos, wait.endedNanos()),
                    Duration.ofNanos(wait.endedNanos() - wait.sinceNanos()), wait.outcome()));
        }
        return ended;
    }

    private static ServerSnapshot.Client client(Connection connection, Instant now, long nowNanos) {
        List<ServerSnapshot.PendingWait> waits = new ArrayList<>(connection.waits.size());
        for (KeyWaiters.Waiter waiter : connection.waits) {
            waits.add(new ServerSnapshot.PendingWait(waiter.pending.stream().map(SnapshotTaker::text).toList(),
                    since(now, nowNanos, waiter.sinceNanos), Duration.ofNanos(nowNanos - waiter.sinceNanos)));
        }
        return new ServerSnapshot.Client(connection.peer(), connection.parser().generation(),
                Instant.ofEpochMilli(connection.connectedAtMillis), connection.requestsServed, waits);
    }

    /**
     * A page of stored keys: their names (as stored) in byte order, and the shown key the next page starts after
     * ({@code null} if this page is the last).
     */
    record KeyPage(List<String> names, @Nullable String nextAfter) {
    }

    private KeyPage keyPage(SnapshotQuery query) {
        return page(store.values().keySet(), query);
    }

    /**
     * The first {@code keyLimit} of {@code keys} (any order) after {@code keysAfter} in byte order, plus whether more
     * follow: one pass and a heap of {@code keyLimit + 1}, never a full sort.
     */
    static KeyPage page(Iterable<String> keys, SnapshotQuery query) {
        if (query.keyLimit() == 0) {
            return new KeyPage(List.of(), null);
        }
        String after = query.keysAfter() == null ? null : WireKeys.fromBytes(
                query.keysAfter().getBytes(StandardCharsets.UTF_8));
        // A max-heap of the smallest keyLimit + 1 keys: one more than the page tells whether another page follows.
        int keep = query.keyLimit() + 1;
        PriorityQueue<String> smallest = new PriorityQueue<>(keep, Comparator.reverseOrder());
        for (String key : keys) {
            if (after != null && key.compareTo(after) <= 0) {
                continue;
            }
            if (smallest.size() < keep) {
                smallest.add(key);
            } else if (key.compareTo(smallest.peek()) < 0) {
                smallest.poll();
                smallest.add(key);
            }
        }
        String[] sorted = smallest.toArray(new String[0]);
        Arrays.sort(sorted);
        boolean more = sorted.length > query.keyLimit();
        int size = Math.min(sorted.length, query.keyLimit());
        return new KeyPage(List.of(sorted).subList(0, size), more ? text(sorted[size - 1]) : null);
    }

    /** @return the snapshot's view of a stored key; a {@code null} value (gone meanwhile) shows as empty */
    static ServerSnapshot.Key key(String name, byte @Nullable [] value, SnapshotQuery query) {
        int size = value == null ? 0 : value.length;
        String shown = value == null || query.valueBytes() == 0 ? null
                : new String(value, 0, Math.min(size, query.valueBytes()), StandardCharsets.UTF_8);
        return new ServerSnapshot.Key(text(name), size, shown);
    }

    /** @return the count PyTorch's workers added to {@link ServerSnapshot#INIT_KEY}, 0 if unset or not a number */
    static long initRegistrations(byte @Nullable [] value) {
        return value == null ? 0 : DecimalText.parse(value).orElse(0);
    }

    private List<ServerSnapshot.MissingKey> missing(int limit, Instant now, long nowNanos) {
        List<ServerSnapshot.MissingKey> missing = new ArrayList<>();
        for (Map.Entry<String, ? extends Set<KeyWaiters.Waiter>> entry : store.waiters().waitersByKey().entrySet()) {
            long oldest = nowNanos;
            List<String> clients = new ArrayList<>();
            for (KeyWaiters.Waiter waiter : entry.getValue()) {
                oldest = Math.min(oldest, waiter.sinceNanos);
                if (clients.size() < limit) {
                    clients.add(waiter.client.peer());
                }
            }
            missing.add(new ServerSnapshot.MissingKey(text(entry.getKey()), entry.getValue().size(),
                    since(now, nowNanos, oldest), Duration.ofNanos(nowNanos - oldest), clients));
        }
        missing.sort(Comparator.comparing(ServerSnapshot.MissingKey::longestWait).reversed()
                .thenComparing(ServerSnapshot.MissingKey::name));
        return missing.size() > limit ? missing.subList(0, limit) : missing;
    }

    private static Instant since(Instant now, long nowNanos, long thenNanos) {
        return now.minusNanos(nowNanos - thenNanos);
    }

    /** A key as people read it: its bytes as UTF-8. */
    /** @return a stored key as shown: its wire bytes as UTF-8 */
    static String text(String key) {
        return new String(WireKeys.toBytes(key), StandardCharsets.UTF_8);
    }
}
