package dev.kvstore.tcp.server;

import dev.kvstore.internal.AsyncFailure;
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
 * Builds a {@link ServerSnapshot}: the clients, their waits and the missing keys on the event-loop thread, then the
 * stored keys from the {@link ServerStore} (in memory on the same step of the loop, so the snapshot is consistent; in
 * etcd every gateway's keys, read afterwards). Its work is bounded by the {@link SnapshotQuery}: the key page costs
 * one pass over the keys and a heap of {@code keyLimit}, never a full sort.
 */
final class SnapshotTaker {

    private final ServerStore store;
    private final KeyWaiters waiters;
    private final @Nullable MemoryServerStore memory;
    private final ServerLimits limits;

    /** @param memory the store when it is in memory (its stored bytes are reported), else {@code null} */
    SnapshotTaker(ServerStore store, KeyWaiters waiters, @Nullable MemoryServerStore memory, ServerLimits limits) {
        this.store = store;
        this.waiters = waiters;
        this.memory = memory;
        this.limits = limits;
    }

    /**
     * Takes a snapshot on the loop's thread, between two batches of requests, and waits at most {@code timeout} for it.
     *
     * @param server the server, for error messages
     * @throws TcpStoreServerException if the loop or the store did not answer within the timeout
     */
    ServerSnapshot takeOn(EventLoop loop, SnapshotQuery query, Duration timeout, String server) {
        CompletableFuture<Void> onLoop = new CompletableFuture<>();
        CompletableFuture<ServerSnapshot> result = new CompletableFuture<>();
        loop.submit(() -> {
            try {
                take(query, loop.connections()).whenComplete((snapshot, error) -> {
                    if (error != null) {
                        result.completeExceptionally(AsyncFailure.cause(error));
                    } else {
                        result.complete(snapshot);
                    }
                });
                onLoop.complete(null);
            } catch (RuntimeException | Error e) {
                onLoop.complete(null);
                result.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            try {
                onLoop.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                onLoop.cancel(false);
                throw new TcpStoreServerException("the event loop of " + server + " did not take a snapshot within "
                        + timeout);
            }
            try {
                return result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new TcpStoreServerException("the store of " + server + " (" + store + ") did not list its keys "
                        + "within " + timeout);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("taking a snapshot of " + server + " failed: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a snapshot of " + server, e);
        }
    }

    /** Takes a snapshot; on the loop's thread only. The stored keys follow when the store answers. */
    CompletableFuture<ServerSnapshot> take(SnapshotQuery query, Collection<Connection> connections) {
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        List<ServerSnapshot.Client> clients = connections.stream()
                .sorted(Comparator.comparingLong((Connection c) -> c.connectedAtMillis))
                .limit(query.clientLimit())
                .map(c -> client(c, now, nowNanos))
                .toList();
        int clientCount = connections.size();
        int pendingWaits = waiters.waiterCount();
        List<ServerSnapshot.MissingKey> missing = missing(query.clientLimit(), now, nowNanos);
        List<ServerSnapshot.EndedWait> ended = ended(now, nowNanos);
        long storedBytes = memory == null ? 0 : memory.storedBytes();
        return store.keys().thenCompose(all -> {
            KeyPage page = page(all, query);
            List<String> wanted = new ArrayList<>(page.names().size() + 1);
            wanted.addAll(page.names());
            wanted.add(ServerSnapshot.INIT_KEY);
            return store.getAll(wanted).thenApply(values -> {
                List<ServerSnapshot.Key> keys = new ArrayList<>(page.names().size());
                for (int i = 0; i < page.names().size(); i++) {
                    keys.add(key(page.names().get(i), values.get(i), query));
                }
                return new ServerSnapshot(now, clientCount, clients, all.size(), keys, page.nextAfter(),
                        storedBytes, limits.maxStoreBytes(), initRegistrations(values.get(page.names().size())),
                        pendingWaits, missing, ended);
            });
        }).toCompletableFuture();
    }

    private List<ServerSnapshot.EndedWait> ended(Instant now, long nowNanos) {
        List<ServerSnapshot.EndedWait> ended = new ArrayList<>(KeyWaiters.ENDED_KEPT);
        for (KeyWaiters.Ended wait : waiters.recentlyEnded()) {
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

    /**
     * The first {@code keyLimit} of {@code keys} (any order) after {@code keysAfter} in byte order, plus whether more
     * follow: one pass and a heap of {@code keyLimit + 1}, never a full sort.
     */
    private static KeyPage page(Iterable<String> keys, SnapshotQuery query) {
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
    private static ServerSnapshot.Key key(String name, byte @Nullable [] value, SnapshotQuery query) {
        int size = value == null ? 0 : value.length;
        String shown = value == null || query.valueBytes() == 0 ? null
                : new String(value, 0, Math.min(size, query.valueBytes()), StandardCharsets.UTF_8);
        return new ServerSnapshot.Key(text(name), size, shown);
    }

    /** @return the count PyTorch's workers added to {@link ServerSnapshot#INIT_KEY}, 0 if unset or not a number */
    private static long initRegistrations(byte @Nullable [] value) {
        return value == null ? 0 : DecimalText.parse(value).orElse(0);
    }

    private List<ServerSnapshot.MissingKey> missing(int limit, Instant now, long nowNanos) {
        List<ServerSnapshot.MissingKey> missing = new ArrayList<>();
        for (Map.Entry<String, ? extends Set<KeyWaiters.Waiter>> entry : waiters.waitersByKey().entrySet()) {
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

    /** @return a stored key as shown: its wire bytes as UTF-8 */
    static String text(String key) {
        return new String(WireKeys.toBytes(key), StandardCharsets.UTF_8);
    }
}
