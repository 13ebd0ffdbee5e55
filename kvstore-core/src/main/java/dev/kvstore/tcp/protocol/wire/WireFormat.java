package dev.kvstore.tcp.protocol.wire;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The TCPStore frame layout, the one place that knows it: a request is a one-byte opcode followed by its arguments;
 * integers are little-endian ({@code u32} for VALIDATE and PING, {@code i64} for ADD deltas, counters and counts);
 * keys and values are byte vectors, a {@code u64} length followed by the bytes; key lists are a {@code u64} count
 * followed by the keys. Replies use the same encodings. {@link WireOutput} and {@link WireInput} are the stream
 * adapters for blocking sockets; the server writes the {@link ByteBuffer}s made here.
 */
public final class WireFormat {

    /** Byte order of every integer on the wire. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Size of a {@code u32}. */
    public static final int U32_BYTES = 4;
    /** Size of an {@code i64}, and of the {@code u64} lengths and counts. */
    public static final int I64_BYTES = 8;
    /**
     * The literal key of PyTorch's worker counter: a TCPStore client constructed with a world size adds 1 to it (no
     * "/" prefix on the wire, unlike user keys).
     */
    public static final String INIT_KEY = "init/";

    /** The magic number a {@link TcpProtocol#MODERN} client sends with VALIDATE, as a u32. */
    public static final int VALIDATE_MAGIC = 0x3C85F7CE;

    private WireFormat() {
    }

    /** @return a buffer of the size in wire byte order */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocate(size).order(ORDER);
    }

    /** @return one byte (an opcode or a reply code), ready to write */
    public static ByteBuffer u8(int value) {
        return ByteBuffer.wrap(new byte[] {(byte) value});
    }

    /** @return a {@code u32} (the low 32 bits of the value), ready to write */
    public static ByteBuffer u32(long value) {
        return allocate(U32_BYTES).putInt((int) value).flip();
    }

    /** @return an {@code i64} (or a {@code u64} length or count), ready to write */
    public static ByteBuffer i64(long value) {
        return allocate(I64_BYTES).putLong(value).flip();
    }

    /** @return a byte vector: its length prefix and the bytes themselves, shared rather than copied */
    public static ByteBuffer[] bytes(byte[] value) {
        return new ByteBuffer[] {i64(value.length), ByteBuffer.wrap(value)};
    }

    /** @return the bytes a {@link TcpProtocol#MODERN} connection opens with: VALIDATE and its magic number */
    public static byte[] validateHandshake() {
        return allocate(1 + U32_BYTES).put((byte) Command.VALIDATE.opcode(TcpProtocol.MODERN))
                .putInt(VALIDATE_MAGIC).array();
    }
}
