package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.client.TcpStoreClient;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A connection of a {@link TcpKVStore} held for the length of one operation (a wait, a read of several keys);
 * replaced transparently when it was closed (after a LEGACY wait timeout, or an error).
 */
final class ConnectionLease implements AutoCloseable {

    /** A GET that fails because the key vanished after its CHECK is retried this often. */
    private static final int GET_ATTEMPTS = 3;

    private final Supplier<TcpConnectionPool> pool;
    private @Nullable TcpStoreClient client;

    /** @param pool the store's connections; asked each time, so that a closed store fails clearly */
    ConnectionLease(Supplier<TcpConnectionPool> pool) {
        this.pool = pool;
    }

    /** @return an open connection: the one held, or a new one if it was closed */
    TcpStoreClient client() {
        TcpStoreClient held = client;
        if (held == null || !held.isOpen()) {
            if (held != null) {
                client = null;
                pool.get().release(held);
            }
            held = pool.get().borrow();
            client = held;
        }
        return held;
    }

    /**
     * GET after CHECK. The PyTorch master drops the connection on GET of a missing key: a key deleted between the
     * CHECK and the GET reads as absent, never as an empty value.
     */
    Optional<byte[]> readIfPresent(String fullKey) {
        String wire = TcpStoreClient.wireKey(fullKey);
        @Nullable KVStoreConnectionException failure = null;
        for (int attempt = 0; attempt < GET_ATTEMPTS; attempt++) {
            if (!client().checkRaw(List.of(wire))) {
                return Optional.empty();
            }
            try {
                byte[] value = client().getRaw(wire);
                if (value.length == 0 && !client().checkRaw(List.of(wire))) {
                    return Optional.empty(); // A server that answers GET of a missing key with no bytes.
                }
                return Optional.of(value);
            } catch (KVStoreConnectionException e) {
                failure = e;
            }
        }
        throw failure;
    }

    @Override
    public void close() {
        TcpStoreClient held = client;
        if (held != null) {
            client = null;
            pool.get().release(held);
        }
    }
}
