package dev.kvstore.tcp.protocol.wire;

/**
 * The Java TCPStore master's extension of the c10d protocol: prefix watches and ephemeral keys. PyTorch masters and
 * clients never see it: its opcodes ({@code 0xE0}-{@code 0xE2}) are far from PyTorch's table (which ends at 17 in
 * 2.10 and grows at its end), the Java server accepts them under every generation's numbering, and a Java client
 * sends them only to a master that answered {@link #IDENTIFY}. Framing is the protocol's own: little-endian,
 * {@code u64} lengths. See {@code docs/tcp-server.md}.
 *
 * <ul>
 *   <li>{@link #IDENTIFY}: no arguments; reply {@code u32} {@link #MAGIC}, {@code u32} {@link #VERSION}. A client
 *       asks on a connection of its own, sends just this one byte and closes its write side: a PyTorch master closes
 *       the connection on the unknown opcode (and, the write side being closed, can never wait for more bytes).</li>
 *   <li>{@link #WATCH_PREFIX}: {@code str prefix} (a wire key prefix); reply {@code u64 n} and n times
 *       {@code str key, bytes value}: the keys under the prefix now; then, pushed until the connection closes, one
 *       frame per change under the prefix: {@code u8} {@link #EVENT_PUT}, {@code str key, bytes value}, or
 *       {@code u8} {@link #EVENT_DELETE}, {@code str key}. The state and the frames are produced on the server's
 *       event loop, so no change falls between them. The connection then takes no other request.</li>
 *   <li>{@link #SET_EPHEMERAL}: {@code str key, bytes value}; reply {@code u8} {@link #STORED}. Stores like SET (waking
 *       waiters, notifying watchers), and ties the key to this connection: when it closes, for whatever reason, the
 *       master deletes the key. Any other write or delete of the key (from any connection) unties it.</li>
 * </ul>
 */
public final class JavaMasterExtension {

    /** Asks whether the master is the Java master, and which version of this extension it speaks. */
    public static final int IDENTIFY = 0xE0;
    /** Subscribes this connection to the changes under a key prefix. */
    public static final int WATCH_PREFIX = 0xE1;
    /** Stores a key owned by this connection. */
    public static final int SET_EPHEMERAL = 0xE2;

    /** First word of the IDENTIFY reply: "KVJX" read as a little-endian u32. */
    public static final int MAGIC = 0x584A564B;
    /** Version of this extension the master speaks; 1: IDENTIFY, WATCH_PREFIX, SET_EPHEMERAL. */
    public static final int VERSION = 1;

    /** Watch frame: a key was written. */
    public static final int EVENT_PUT = 0;
    /** Watch frame: a key was deleted. */
    public static final int EVENT_DELETE = 1;

    /** SET_EPHEMERAL reply: stored and owned by this connection. */
    public static final int STORED = 0;

    private JavaMasterExtension() {
    }
}
