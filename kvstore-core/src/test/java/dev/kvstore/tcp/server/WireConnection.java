package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.protocol.wire.WireInput;
import dev.kvstore.tcp.protocol.wire.WireOutput;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * A raw TCPStore connection for byte-level tests: requests are built field by field in a chosen generation's
 * numbering, replies read with a bounded socket timeout so that a missing reply fails the test instead of hanging.
 */
final class WireConnection implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream raw;
    private final WireInput in;
    private final OutputStream out;
    private final TcpProtocol generation;

    private WireConnection(int port, TcpProtocol generation) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        this.raw = socket.getInputStream();
        this.in = new WireInput(raw, Integer.MAX_VALUE - 16);
        this.out = socket.getOutputStream();
        this.generation = generation;
    }

    /** Opens a connection; a {@link TcpProtocol#MODERN} one starts with VALIDATE, as PyTorch 2.2+ does. */
    static WireConnection open(int port, TcpProtocol generation) throws IOException {
        WireConnection connection = new WireConnection(port, generation);
        if (generation == TcpProtocol.MODERN) {
            connection.request(Command.VALIDATE).u32(WireFormat.VALIDATE_MAGIC).send();
        }
        return connection;
    }

    /** Opens a connection that sends nothing by itself. */
    static WireConnection openRaw(int port, TcpProtocol generation) throws IOException {
        return new WireConnection(port, generation);
    }

    Frame request(Command command) {
        return new Frame().u8(command.opcode(generation));
    }

    Frame frame() {
        return new Frame();
    }

    /** A request under construction, in wire format. */
    final class Frame {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final WireOutput wire = new WireOutput(bytes);

        Frame u8(int value) {
            return write(() -> wire.u8(value));
        }

        Frame u32(int value) {
            return write(() -> wire.u32(value));
        }

        Frame i64(long value) {
            return write(() -> wire.i64(value));
        }

        Frame str(String key) {
            return write(() -> wire.string(key));
        }

        Frame bytes(byte[] value) {
            return write(() -> wire.bytes(value));
        }

        Frame keys(String... keys) {
            return write(() -> wire.keys(List.of(keys)));
        }

        Frame raw(byte[] raw) {
            bytes.writeBytes(raw);
            return this;
        }

        private Frame write(Field field) {
            try {
                field.write();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
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

    @FunctionalInterface
    private interface Field {
        void write() throws IOException;
    }

    int readU8() throws IOException {
        return in.u8();
    }

    long readU32() throws IOException {
        return in.u32();
    }

    long readI64() throws IOException {
        return in.i64();
    }

    byte[] readBytes() throws IOException {
        return in.bytes();
    }

    String readString() throws IOException {
        return in.string();
    }

    /** @return whether the server closed the connection (end of stream or reset) before the read timeout */
    boolean closedByServer() throws IOException {
        try {
            return raw.read() < 0;
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
