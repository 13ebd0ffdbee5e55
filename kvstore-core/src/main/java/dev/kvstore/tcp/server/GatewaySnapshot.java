package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import dev.kvstore.tcp.server.spi.KeyStorage;
import java.nio.charset.StandardCharsets;
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
            all.sort(null);
            String after = query.keysAfter() == null ? null
                    : WireKeys.fromBytes(query.keysAfter().getBytes(StandardCharsets.UTF_8));
            List<String> page = new ArrayList<>();
            boolean more = false;
            for (String key : all) {
                if (after != null && key.compareTo(after) <= 0) {
                    continue;
                }
                if (page.size() == query.keyLimit()) {
                    more = true;
                    break;
                }
                page.add(key);
            }
            List<byte[]> wanted = new ArrayList<>(page.size() + 1);
            page.forEach(key -> wanted.add(WireKeys.toBytes(key)));
            wanted.add(WireKeys.toBytes(ServerSnapshot.INIT_KEY));
            List<byte[]> values = await(storage.getAll(wanted), deadline);
            List<ServerSnapshot.Key> keys = new ArrayList<>(page.size());
            for (int i = 0; i < page.size(); i++) {
                byte[] value = values.get(i);
                int size = value == null ? 0 : value.length;
                String shown = value == null || query.valueBytes() == 0 ? null
                        : new String(value, 0, Math.min(size, query.valueBytes()), StandardCharsets.UTF_8);
                keys.add(new ServerSnapshot.Key(text(page.get(i)), size, shown));
            }
            byte[] init = values.get(page.size());
            long initRegistrations = init == null ? 0 : DecimalText.parse(init).orElse(0);
            return new ServerSnapshot(local.takenAt(), local.clientCount(), local.clients(), all.size(), keys,
                    more ? text(page.get(page.size() - 1)) : null, local.storedBytes(), local.maxStoreBytes(),
                    initRegistrations, local.pendingWaitCount(), local.missing());
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

    private static String text(String key) {
        return new String(WireKeys.toBytes(key), StandardCharsets.UTF_8);
    }
}
