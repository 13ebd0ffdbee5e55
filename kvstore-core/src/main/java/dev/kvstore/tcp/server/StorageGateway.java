package dev.kvstore.tcp.server;

import dev.kvstore.internal.AsyncFailure;
import dev.kvstore.tcp.server.spi.KeyChange;
import dev.kvstore.tcp.server.spi.KeyChangeListener;
import dev.kvstore.tcp.server.spi.KeyStorage;
import dev.kvstore.tcp.server.spi.KeyStorageFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a TCPStore server that keeps its keys in a {@link KeyStorage} holds across event-loop restarts: the open
 * storage, whose changes it hands to the current loop's {@link GatewayHandler}. Logs a WARN when the storage starts
 * failing requests and an INFO when it answers again.
 *
 * <p>Every {@link #RECHECK_INTERVAL_MILLIS} it also reads again the keys its pending waits wait for: a change feed can
 * be down without saying so (jetcd resumes a broken watch by itself, silently), and a wait must not depend on it
 * alone. A wait whose key was set meanwhile through any gateway is woken within that interval.
 */
final class StorageGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final long RECHECK_RETRY_MILLIS = 1000;
    /** How often the keys of pending waits are read again, whatever the change feed says. */
    static final long RECHECK_INTERVAL_MILLIS = 2000;
    /** How old the key count {@link #keyCount()} answers may be before it is read again. */
    private static final long KEY_COUNT_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String description;
    private final AtomicBoolean failing = new AtomicBoolean();
    /** A re-read of the awaited keys is scheduled after a failed one: gaps meanwhile need no other. */
    private final AtomicBoolean recheckScheduled = new AtomicBoolean();
    private final KeyStorage storage;
    private final ScheduledExecutorService ticker;
    private volatile @Nullable GatewayHandler handler;
    private volatile long keyCount;
    private volatile long keyCountReadAt = System.nanoTime() - KEY_COUNT_MAX_AGE_NANOS;
    private final AtomicBoolean keyCountReading = new AtomicBoolean();

    private StorageGateway(ServerStore store, KeyStorageFactory factory) {
        this.description = store.toString();
        this.storage = factory.open(new KeyChangeListener() {
            @Override
            public void changed(List<KeyChange> changes) {
                GatewayHandler current = handler;
                if (current != null) {
                    current.changed(changes);
                }
            }

            @Override
            public void gap(String reason) {
                log.debug("TCPStore gateway on {}: {}; reading the awaited keys again", description, reason);
                recheckWaits();
            }
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvstore-tcpstore-gateway-recheck");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleWithFixedDelay(this::recheckWaits, RECHECK_INTERVAL_MILLIS, RECHECK_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the storage (connects, starts following its changes).
     *
     * @throws RuntimeException what the storage throws when it cannot be reached
     */
    static StorageGateway open(ServerStore store) {
        KeyStorageFactory factory = store.storage();
        if (factory == null) {
            throw new IllegalArgumentException("a server store in memory has no storage to open");
        }
        return new StorageGateway(store, factory);
    }

    KeyStorage storage() {
        return storage;
    }

    /** @return the handler of a new event loop, which holds its waits in {@code waits} */
    RequestHandler handler(KeyWaiters waits, ServerLimits limits) {
        return new GatewayHandler(this, waits, limits);
    }

    /** The handler of the loop that runs now (called when the loop starts). */
    void serveWith(GatewayHandler current) {
        this.handler = current;
    }

    /**
     * @return what the connection whose request failed is closed for: the refusal the request itself earned, or the
     *     storage's failure (logged at WARN when the storage starts failing)
     */
    ProtocolViolation failed(Throwable error) {
        Throwable cause = AsyncFailure.cause(error);
        if (cause instanceof RefusedUpdate refused) {
            return refused.violation();
        }
        if (cause instanceof ProtocolViolation violation) {
            return violation;
        }
        if (failing.compareAndSet(false, true)) {
            log.warn("TCPStore gateway: {} failed a request ({}); the connections whose requests fail are closed "
                    + "until it answers again", description, cause.toString());
        }
        return new ProtocolViolation(Refusal.STORAGE_UNAVAILABLE, description + " did not serve its request: "
                + cause);
    }

    /** The storage served a request: logs that it is back if it was failing. */
    void succeeded() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            log.info("TCPStore gateway: {} serves requests again", description);
        }
    }

    private void recheckWaits() {
        GatewayHandler current = handler;
        if (current != null) {
            current.recheckWaits();
        }
    }

    /** Reading the awaited keys after a gap failed: tries again, the waits stay pending meanwhile. */
    void recheckFailed(Throwable error) {
        if (recheckScheduled.compareAndSet(false, true)) {
            log.debug("TCPStore gateway: reading the awaited keys again failed ({}); retrying in {} ms",
                    AsyncFailure.cause(error).toString(), RECHECK_RETRY_MILLIS);
            CompletableFuture.delayedExecutor(RECHECK_RETRY_MILLIS, TimeUnit.MILLISECONDS).execute(() -> {
                recheckScheduled.set(false);
                recheckWaits();
            });
        }
    }

    /**
     * @return the keys with a value in the storage (all gateways' writes), at most about a second old; reading it
     *     again is started here and never waited for
     */
    long keyCount() {
        if (System.nanoTime() - keyCountReadAt > KEY_COUNT_MAX_AGE_NANOS
                && keyCountReading.compareAndSet(false, true)) {
            storage.count().whenComplete((count, error) -> {
                if (error == null) {
                    keyCount = count;
                    keyCountReadAt = System.nanoTime();
                }
                keyCountReading.set(false);
            });
        }
        return keyCount;
    }

    @Override
    public void close() {
        handler = null;
        ticker.shutdownNow();
        storage.close();
    }
}
