package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.client.SocketConnector;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.protocol.wire.WireInput;
import dev.kvstore.tcp.protocol.wire.WireOutput;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A connection of its own for the Java master's extension ({@link dev.kvstore.tcp.protocol.wire.JavaMasterExtension}):
 * a watch stream or the connection that owns ephemeral keys. Unlike {@link TcpStoreClient} it is read by one thread
 * (replies and pushed frames as they come) while requests are written by others, and it can close its write side and
 * wait for the master to close, which tells that the master has released what the connection owned.
 */
final class ExtensionConnection implements AutoCloseable {

    /** Values and keys longer than this in a frame mean a stream out of step, not a value to allocate. */
    private static final long MAX_FIELD_BYTES = Integer.MAX_VALUE - 16;

    private final Socket socket;
    private final InputStream stream;
    private final WireInput in;
    private final WireOutput out;
    private final TcpProtocol protocol;

    private ExtensionConnection(Socket socket, TcpProtocol protocol) throws IOException {
        this.socket = socket;
        this.protocol = protocol;
        this.stream = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.in = new WireInput(stream, MAX_FIELD_BYTES);
        this.out = new WireOutput(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    }

    /**
     * Connects (retrying while the master refuses, within {@code connectTimeout}) and, with {@code handshake}, sends
     * VALIDATE for {@link TcpProtocol#MODERN}.
     *
     * @param handshake whether to send the handshake; {@code false} for a probe that must be one complete request
     * @throws dev.kvstore.api.KVStoreTimeoutException if the master did not accept within the timeout
     * @throws KVStoreConnectionException if connecting failed otherwise or was abandoned
     */
    static ExtensionConnection open(String host, int port, TcpProtocol protocol, Duration connectTimeout,
            BooleanSupplier abandoned, boolean handshake) {
        Socket socket = SocketConnector.open(host, port, connectTimeout, abandoned);
        try {
            ExtensionConnection connection = new ExtensionConnection(socket, protocol);
            if (handshake && protocol == TcpProtocol.MODERN) {
                socket.getOutputStream().write(WireFormat.validateHandshake());
            }
            return connection;
        } catch (IOException e) {
            SocketConnector.closeQuietly(socket);
            throw new KVStoreConnectionException("TCPStore " + host + ":" + port + ": cannot connect: "
                    + e.getMessage(), e);
        }
    }

    /** Bounds every read from now on. */
    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
    }

    /** Writes the command's opcode, then each field as a byte vector, and flushes. */
    void request(Command command, byte[]... fields) throws IOException {
        out.opcode(protocol, command);
        for (byte[] field : fields) {
            out.bytes(field);
        }
        out.flush();
    }

    /** Closes the write side: the master reads end-of-stream, releases what this connection owns and closes. */
    void finishWriting() throws IOException {
        out.flush();
        socket.shutdownOutput();
    }

    /** @return the next byte, or -1 at a clean end of stream */
    int u8OrEnd() throws IOException {
        return stream.read();
    }

    /** @return the frames and replies, read by one thread */
    WireInput in() {
        return in;
    }

    /** Closes the socket; a thread blocked reading it gets an exception. */
    @Override
    public void close() {
        SocketConnector.closeQuietly(socket);
    }
}
