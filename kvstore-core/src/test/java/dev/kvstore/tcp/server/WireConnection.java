package dev.kvstore.tcp.server;

import dev.kvstore.tcp.ProtocolGeneration;
import dev.kvstore.tcp.ProtocolGeneration.Command;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A raw TCPStore connection for byte-level tests: requests are built field by field in a chosen generation's
 * numbering, replies read with a bounded socket timeout so that a missing reply fails the test instead of hanging.
 */
final class WireConnection implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ProtocolGeneration generation;

    private WireConnection(int port, ProtocolGeneration generation) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.generation = generation;
    }

    /** Opens a connection; a {@link ProtocolGeneration#MODERN} one starts with VALIDATE, as PyTorch 2.2+ does. */
    static WireConnection open(int port, ProtocolGeneration generation) throws IOException {
        WireConnection connection = new WireConnection(port, generation);
        if (generation == ProtocolGeneration.MODERN) {
            connection.request(Command.VALIDATE).u32(ProtocolGeneration.VALIDATE_MAGIC).send();
        }
        return connection;
    }

    /** Opens a connection that sends nothing by itself. */
    static WireConnection openRaw(int port, ProtocolGeneration generation) throws IOException {
        return new WireConnection(port, generation);
    }

    Frame request(Command command) {
        return new Frame().u8(generation.opcode(command));
    }

    Frame frame() {
        return new Frame();
    }

    /** A request under construction, in wire format. */
    final class Frame {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Frame u8(int value) {
            bytes.write(value);
            return this;
        }

        Frame u32(int value) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
        }

        Frame i64(long value) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }

        Frame str(String key) {
            return bytes(key.getBytes(StandardCharsets.UTF_8));
        }

        Frame bytes(byte[] value) {
            i64(value.length);
            return raw(value);
        }

        Frame keys(String... keys) {
            i64(keys.length);
            for (String key : keys) {
                str(key);
            }
            return this;
        }

        Frame raw(byte[] raw) {
            bytes.writeBytes(raw);
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }

        void send() throws IOException {
            out.write(bytes.toByteArray());
            out.flush();
        }

        /** Sends one byte per write, as if every field (and more) arrived in its own packet. */
        void sendByteByByte() throws IOException {
            for (byte b : bytes.toByteArray()) {
                out.write(b);
                out.flush();
            }
        }
    }

    int readU8() throws IOException {
        return in.readUnsignedByte();
    }

    long readU32() throws IOException {
        return Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
    }

    long readI64() throws IOException {
        return Long.reverseBytes(in.readLong());
    }

    byte[] readBytes() throws IOException {
        long length = readI64();
        byte[] value = new byte[Math.toIntExact(length)];
        in.readFully(value);
        return value;
    }

    String readString() throws IOException {
        return new String(readBytes(), StandardCharsets.UTF_8);
    }

    /** @return whether the server closed the connection (end of stream or reset) before the read timeout */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
