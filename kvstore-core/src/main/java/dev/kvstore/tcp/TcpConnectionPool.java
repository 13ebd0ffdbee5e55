package dev.kvstore.tcp;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Connections to one TCPStore master, shared by the threads of a {@link TcpKVStore}. A connection serves one request
 * (or one blocking wait) at a time, so every operation borrows its own: a long WAIT in one thread never delays
 * another thread's quick operations. Connections that broke, or that a LEGACY wait timeout left unusable, are
 * dropped on release and replaced by new ones on demand.
 */
final class TcpConnectionPool implements AutoCloseable {

    private final String host;
    private final int port;
    private final TcpProtocol protocol;
    private final Duration timeout;
    private final int maxIdle;
    private final Deque<TcpStoreClient> idle = new ArrayDeque<>();
    private final Set<TcpStoreClient> live = ConcurrentHashMap.newKeySet();
    private boolean closed;

    TcpConnectionPool(String host, int port, TcpProtocol protocol, Duration timeout, int maxIdle) {
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.timeout = timeout;
        this.maxIdle = maxIdle;
    }

    /** @return an idle open connection, or a new one (connecting within the request timeout) */
    TcpStoreClient borrow() {
        return borrow(timeout);
    }

    /**
     * @param connectTimeout bound of connecting when no idle connection is left
     * @return an idle open connection, or a new one; connecting stops once the pool is closed
     */
    TcpStoreClient borrow(Duration connectTimeout) {
        synchronized (this) {
            requireOpen();
            for (TcpStoreClient client = idle.pollFirst(); client != null; client = idle.pollFirst()) {
                if (client.isOpen()) {
                    return client;
                }
                live.remove(client);
            }
        }
        TcpStoreClient client = TcpStoreClient.connect(host, port, protocol, connectTimeout, timeout, this::isClosed);
        live.add(client);
        synchronized (this) {
            if (closed) {
                live.remove(client);
                client.close();
                requireOpen();
            }
        }
        return client;
    }

    /** Returns the connection: kept for reuse if it is still open, closed otherwise. */
    void release(TcpStoreClient client) {
        if (client.isOpen()) {
            synchronized (this) {
                if (!closed && idle.size() < maxIdle) {
                    idle.addFirst(client);
                    return;
                }
            }
        }
        live.remove(client);
        client.close();
    }

    /** Runs one operation on a borrowed connection and returns the connection (or drops it if it broke). */
    <T> T withConnection(Function<TcpStoreClient, T> operation) {
        TcpStoreClient client = borrow();
        try {
            return operation.apply(client);
        } finally {
            release(client);
        }
    }

    /** @return connections currently open (idle and borrowed) */
    int liveCount() {
        return live.size();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("TCPStore connections to " + host + ":" + port + " are closed");
        }
    }

    /** Closes every connection, also borrowed ones: calls blocked on them fail. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            idle.clear();
        }
        List<TcpStoreClient> all = new ArrayList<>(live);
        live.clear();
        for (TcpStoreClient client : all) {
            client.close();
        }
    }
}
