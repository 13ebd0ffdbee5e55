package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.ProtocolGeneration.Command;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A connection of its own for the Java master's extension ({@link dev.kvstore.tcp.protocol.JavaMasterExtension}):
 * a watch stream or the connection that owns ephemeral keys. Unlike {@link TcpStoreClient} it is read by one thread
 * (replies and pushed frames as they come) while requests are written by others, and it can close its write side and
 * wait for the master to close, which tells that the master has released what the connection owned.
 */
final class ExtensionConnection implements AutoCloseable {

    /** Values and keys longer than this in a frame mean a stream out of step, not a value to allocate. */
    private static final long MAX_FIELD_BYTES = Integer.MAX_VALUE - 16;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ProtocolGeneration protocol;

    private ExtensionConnection(Socket socket, ProtocolGeneration protocol) throws IOException {
        this.socket = socket;
        this.protocol = protocol;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /**
     * Connects (retrying while the master refuses, within {@code connectTimeout}) and sends the VALIDATE handshake
     * for {@link ProtocolGeneration#MODERN}.
     *
     * @param handshake whether to send the handshake; {@code false} for a probe that must be one complete request
     * @throws dev.kvstore.api.KVStoreTimeoutException if the master did not accept within the timeout
     * @throws KVStoreConnectionException if connecting failed otherwise or was abandoned
     */
    static ExtensionConnection open(String host, int port, ProtocolGeneration protocol, Duration connectTimeout,
            BooleanSupplier abandoned, boolean handshake) {
        Socket socket = TcpStoreClient.openSocket(host, port, connectTimeout, abandoned);
        try {
            ExtensionConnection connection = new ExtensionConnection(socket, protocol);
            if (handshake && protocol == ProtocolGeneration.MODERN) {
                connection.out.write(protocol.opcode(Command.VALIDATE));
                connection.writeU32(ProtocolGeneration.VALIDATE_MAGIC);
            }
            return connection;
        } catch (IOException e) {
            TcpStoreClient.closeQuietly(socket);
            throw new KVStoreConnectionException("TCPStore " + host + ":" + port + ": cannot connect: "
                    + e.getMessage(), e);
        }
    }

    /** Bounds every read from now on (0: none, for a stream that may be idle for hours). */
    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout(timeout == null ? 0 : (int) Math.max(1, Math.min(timeout.toMillis(), Integer.MAX_VALUE)));
    }

    // --- requests ------------------------------------------------------------------------------------------------

    /** Writes the opcode of the command, then the byte fields each as {@code u64 length + bytes}, and flushes. */
    void request(Command command, byte[]... fields) throws IOException {
        out.write(protocol.opcode(command));
        for (byte[] field : fields) {
            writeI64(field.length);
            out.write(field);
        }
        out.flush();
    }

    /** Closes the write side: the master reads end-of-stream, releases what this connection owns and closes. */
    void finishWriting() throws IOException {
        out.flush();
        socket.shutdownOutput();
    }

    // --- replies and frames --------------------------------------------------------------------------------------

    /** @return the next byte, or -1 at a clean end of stream */
    int readU8OrEnd() throws IOException {
        return in.read();
    }

    int readU8() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the master closed the connection");
        }
        return b;
    }

    int readU32() throws IOException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= readU8() << (8 * i);
        }
        return v;
    }

    long readI64() throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= ((long) readU8()) << (8 * i);
        }
        return v;
    }

    byte[] readBytes() throws IOException {
        long length = readI64();
        if (length < 0 || length > MAX_FIELD_BYTES) {
            throw new IOException("malformed frame: field length " + Long.toUnsignedString(length));
        }
        byte[] bytes = new byte[(int) length];
        int read = 0;
        while (read < bytes.length) {
            int n = in.read(bytes, read, bytes.length - read);
            if (n < 0) {
                throw new EOFException("the master closed the connection in the middle of a frame");
            }
            read += n;
        }
        return bytes;
    }

    String readString() throws IOException {
        return new String(readBytes(), StandardCharsets.UTF_8);
    }

    private void writeU32(int v) throws IOException {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
    }

    private void writeI64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** Closes the socket; a thread blocked reading it gets an exception. */
    @Override
    public void close() {
        TcpStoreClient.closeQuietly(socket);
    }
}
