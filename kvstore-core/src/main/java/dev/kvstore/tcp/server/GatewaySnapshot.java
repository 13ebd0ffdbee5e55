package dev.kvstore.tcp.server;

import dev.kvstore.tcp.server.spi.KeyStorage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The stored-key part of a gateway's snapshot, read from its {@link KeyStorage}: the key count, a page of the keys and
 * PyTorch's {@code init/} count are those of every gateway of the job; the clients, their waits and the missing keys
 * stay this gateway's own (its clients wait on it alone). Read on the caller's thread, never on the event loop.
 */
final class GatewaySnapshot {

    private GatewaySnapshot() {
    }

    /**
     * @return {@code local} with the keys read from the storage
     * @throws TcpStoreServerException if the storage did not answer within {@code timeout}
     */
    static ServerSnapshot withStoredKeys(ServerSnapshot local, SnapshotQuery query, KeyStorage storage,
            Duration timeout, String server) {
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> all = new ArrayList<>();
            for (byte[] key : await(storage.keys(), deadline)) {
                all.add(WireKeys.fromBytes(key));
            }
            SnapshotTaker.KeyPage page = SnapshotTaker.page(all, query);
            List<byte[]> wanted = new ArrayList<>(page.names().size() + 1);
            page.names().forEach(key -> wanted.add(WireKeys.toBytes(key)));
            wanted.add(WireKeys.toBytes(ServerSnapshot.INIT_KEY));
            List<byte[]> values = await(storage.getAll(wanted), deadline);
            List<ServerSnapshot.Key> keys = new ArrayList<>(page.names().size());
            for (int i = 0; i < page.names().size(); i++) {
                keys.add(SnapshotTaker.key(page.names().get(i), values.get(i), query));
            }
            long initRegistrations = SnapshotTaker.initRegistrations(values.get(page.names().size()));
            return new ServerSnapshot(local.takenAt(), local.clientCount(), local.clients(), all.size(), keys,
                    page.nextAfter(), local.storedBytes(), local.maxStoreBytes(),
                    initRegistrations, local.pendingWaitCount(), local.missing(), local.ended());
        } catch (TimeoutException e) {
            throw new TcpStoreServerException("the storage of " + server + " did not list its keys within "
                    + timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading the keys of " + server + " from its storage failed: "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the keys of " + server, e);
        }
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<T> future = stage.toCompletableFuture();
        return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
