package dev.kvstore.tcp.server;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.etcd.EtcdKVStore;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a TCPStore server that keeps its keys in etcd holds across event-loop restarts: the etcd connection, the
 * {@link GatewayStorage} and the one {@link GatewayWatch}, whose changes it hands to the current loop's
 * {@link GatewayHandler}. Logs a WARN when etcd starts failing requests and an INFO when it answers again.
 */
final class EtcdGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final long RECHECK_RETRY_MILLIS = 1000;

    private final EtcdKVStore connection;
    private final GatewayStorage storage;
    private final ScheduledExecutorService scheduler;
    private final GatewayWatch watch;
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile GatewayHandler handler;

    private EtcdGateway(EtcdKVStore connection, GatewayKeys keys, ServerLimits limits) {
        this.connection = connection;
        this.storage = new GatewayStorage(connection.jetcdClient().getKVClient(), keys, limits,
                connection.requestTimeout());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvstore-tcpstore-gateway-" + keys.prefix());
            thread.setDaemon(true);
            return thread;
        });
        this.watch = new GatewayWatch(connection.jetcdClient().getWatchClient(), keys, storage::currentRevision,
                scheduler, new GatewayWatch.Listener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        GatewayHandler current = handler;
                        if (current != null) {
                            current.changed(events);
                        }
                    }

                    @Override
                    public void onGap(String reason) {
                        log.warn("TCPStore gateway on etcd prefix '{}': {}; reading the awaited keys again",
                                keys.prefix(), reason);
                        recheckWaits();
                    }
                });
    }

    /**
     * Connects to etcd and starts watching the prefix.
     *
     * @throws KVStoreConnectionException if etcd refuses the connection
     * @throws KVStoreTimeoutException if etcd does not answer within the connection's timeouts
     */
    static EtcdGateway open(ServerStore store, ServerLimits limits) {
        EtcdKVStore connection = store.etcdConnection().build();
        EtcdGateway gateway = null;
        try {
            gateway = new EtcdGateway(connection, new GatewayKeys(store.etcdPrefix()), limits);
            long revision = gateway.storage.currentRevision().get();
            gateway.watch.startAfter(revision);
            log.info("TCPStore gateway keeps its keys in etcd {} under '{}' (from revision {})",
                    connection.endpoints(), store.etcdPrefix(), revision);
            return gateway;
        } catch (ExecutionException e) {
            close(gateway, connection);
            throw new KVStoreConnectionException("the TCPStore gateway cannot read etcd " + connection.endpoints()
                    + ": " + GatewayHandler.unwrap(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            close(gateway, connection);
            Thread.currentThread().interrupt();
            throw new KVStoreConnectionException("interrupted while connecting the TCPStore gateway to etcd", e);
        } catch (RuntimeException e) {
            close(gateway, connection);
            throw e;
        }
    }

    private static void close(EtcdGateway gateway, EtcdKVStore connection) {
        if (gateway != null) {
            gateway.close();
        } else {
            connection.close();
        }
    }

    GatewayStorage storage() {
        return storage;
    }

    /** @return the handler of a new event loop, which holds its waits in {@code waits} */
    RequestHandler handler(StoreState waits, ServerLimits limits) {
        return new GatewayHandler(this, waits, limits);
    }

    /** The handler of the loop that runs now (called when the loop starts). */
    void serveWith(GatewayHandler current) {
        this.handler = current;
    }

    /**
     * @return what the connection whose request failed is closed for: the refusal the request itself earned, or
     *     etcd's failure (logged at WARN when etcd starts failing)
     */
    ProtocolViolation failed(Throwable error) {
        Throwable cause = GatewayHandler.unwrap(error);
        if (cause instanceof ProtocolViolation violation) {
            return violation;
        }
        String why = cause instanceof TimeoutException && cause.getMessage() == null
                ? "no answer within the request timeout of " + connection.requestTimeout()
                : cause.toString();
        if (failing.compareAndSet(false, true)) {
            log.warn("TCPStore gateway: etcd {} failed a request ({}); the connections whose requests fail are "
                    + "closed until it answers again (kvstore.etcd.request-timeout bounds each request)",
                    connection.endpoints(), why);
        }
        return new ProtocolViolation(Refusal.STORAGE_UNAVAILABLE, "etcd " + connection.endpoints()
                + " did not serve its request: " + why);
    }

    /** etcd served a request: logs that it is back if it was failing. */
    void succeeded() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            log.info("TCPStore gateway: etcd {} serves requests again", connection.endpoints());
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
        log.warn("TCPStore gateway: reading the awaited keys again failed ({}); retrying in {} ms",
                GatewayHandler.unwrap(error).toString(), RECHECK_RETRY_MILLIS);
        scheduler.schedule(this::recheckWaits, RECHECK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        watch.close();
        scheduler.shutdownNow();
        connection.close();
    }
}
