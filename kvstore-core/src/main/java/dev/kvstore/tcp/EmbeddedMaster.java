package dev.kvstore.tcp;

/**
 * The embedded TCPStore server of a master {@link TcpKVStore}. Placeholder until the Java server
 * ({@code dev.kvstore.tcp.server.TcpStoreServer}) lands: master mode is not available yet.
 */
final class EmbeddedMaster implements AutoCloseable {

    private EmbeddedMaster() {
    }

    static EmbeddedMaster start(String host, int port, ProtocolGeneration legacyProtocol) {
        throw new UnsupportedOperationException("TcpKVStore master mode needs the embedded TcpStoreServer, "
                + "which is not available in this build yet");
    }

    int port() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
