package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.tcp.server.TcpStoreServerException;
import java.util.function.Consumer;

/** The embedded TCPStore server of a master {@link TcpKVStore}: started first, closed after the client connections. */
final class EmbeddedMaster implements AutoCloseable {

    private final TcpStoreServer server;

    private EmbeddedMaster(TcpStoreServer server) {
        this.server = server;
    }

    /**
     * Binds and starts the server.
     *
     * @throws dev.kvstore.api.KVStoreConnectionException if {@code host:port} cannot be bound
     */
    static EmbeddedMaster start(String host, int port, TcpProtocol legacyProtocol,
            Consumer<TcpStoreServer.Builder> customizer) {
        TcpStoreServer.Builder builder = TcpStoreServer.builder();
        customizer.accept(builder);
        TcpStoreServer server = builder.host(host).port(port).legacyProtocol(legacyProtocol).build();
        try {
            return new EmbeddedMaster(server.start());
        } catch (TcpStoreServerException e) {
            // The store's callers handle the API's exceptions; the server knows nothing of them.
            throw new KVStoreConnectionException(e.getMessage(), e.getCause() == null ? e : e.getCause());
        }
    }

    /** @return the server itself, for its {@link TcpStoreServer#status() status} */
    TcpStoreServer server() {
        return server;
    }

    /** @return the port the server listens on (the one it picked when built with port 0) */
    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
