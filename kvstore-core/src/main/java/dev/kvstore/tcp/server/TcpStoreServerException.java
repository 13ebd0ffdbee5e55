package dev.kvstore.tcp.server;

/**
 * The {@link TcpStoreServer} could not do what was asked of it: bind its address and start serving (the cause is
 * then the {@link java.net.BindException} or other I/O failure), or take a snapshot within the caller's bound. The
 * message names the server's {@code host:port}. Failures while serving are never thrown: they cost the one
 * connection and show in {@link TcpStoreServer#status()}.
 */
public class TcpStoreServerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the server's address */
    public TcpStoreServerException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the server's address
     * @param cause the failure underneath
     */
    public TcpStoreServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
