package dev.kvstore.tcp.protocol;

/**
 * The generation of PyTorch's c10d TCPStore protocol a client speaks, or {@link #AUTO} to detect it: the one choice
 * behind the Spring Boot property {@code kvstore.tcp.protocol} (values {@code auto}, {@code legacy}, {@code v2_1} or
 * {@code v2-1}, {@code modern}, in any case) and {@code kvstore.tcp.server-legacy-protocol}. The generations differ in
 * opcode numbering and handshake; framing is the same. One job runs one torch version, so a client speaks one
 * generation; a server detects {@link #MODERN} from the VALIDATE handshake and is configured with the numbering
 * ({@link #LEGACY} or {@link #V2_1}) to use for clients that send none, which cannot be told apart by their bytes.
 */
public enum TcpProtocol {

    /**
     * Detect the master's generation when connecting: PyTorch 2.2+ and the Java server get {@link #MODERN}, PyTorch
     * 2.1 {@link #V2_1}, PyTorch 1.13 and 2.0 {@link #LEGACY}. The probes are complete requests or end with the
     * connection's write side closed, so no master ever waits for bytes that do not come. Only a client's choice.
     */
    AUTO,

    /** PyTorch 1.13 and 2.0: no handshake, WATCH_KEY is opcode 7, DELETE_KEY 8, no CANCEL_WAIT. */
    LEGACY,

    /** PyTorch 2.1: no handshake, WATCH_KEY removed so DELETE_KEY is 7, adds APPEND, MULTI_GET/SET, CANCEL_WAIT. */
    V2_1,

    /**
     * PyTorch 2.2 and later, and the Java server: VALIDATE opens every connection; PING from 2.5, queues from 2.8,
     * LIST_KEYS from 2.10.
     */
    MODERN;

    /** @return whether this names a generation, rather than {@link #AUTO} */
    public boolean isGeneration() {
        return this != AUTO;
    }
}
