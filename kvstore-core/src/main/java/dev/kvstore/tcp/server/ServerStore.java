package dev.kvstore.tcp.server;

import dev.kvstore.tcp.server.spi.KeyStorageFactory;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link TcpStoreServer} keeps its keys: {@linkplain #memory() in memory} (the default: fastest, gone with the
 * process) or {@linkplain #of in a key storage} outside the process, which makes the server a stateless gateway:
 * several gateways on one storage serve one job, and any of them can die without losing a key. The etcd storage is
 * {@code dev.kvstore.tcp.gateway.EtcdGatewayStore.of(connection, prefix)}.
 */
public final class ServerStore {

    private static final ServerStore MEMORY = new ServerStore(null, "memory");

    private final @Nullable KeyStorageFactory storage;
    private final String description;

    private ServerStore(@Nullable KeyStorageFactory storage, String description) {
        this.storage = storage;
        this.description = description;
    }

    /** @return keys in the server's memory (the default) */
    public static ServerStore memory() {
        return MEMORY;
    }

    /**
     * Keys in a storage outside the server, opened when the server starts and closed when it closes.
     *
     * @param description what the storage is, for log lines, e.g. {@code "etcd [http://127.0.0.1:2379] prefix 'p/'"}
     */
    public static ServerStore of(String description, KeyStorageFactory storage) {
        return new ServerStore(Objects.requireNonNull(storage, "storage"),
                Objects.requireNonNull(description, "description"));
    }

    /** @return whether the keys live in the server's memory */
    public boolean isMemory() {
        return storage == null;
    }

    /** @return what opens the storage, {@code null} in memory */
    @Nullable KeyStorageFactory storage() {
        return storage;
    }

    @Override
    public String toString() {
        return description;
    }
}
