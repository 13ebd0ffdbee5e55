package dev.kvstore.tcp.protocol.wire;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes TCPStore frames ({@link WireFormat}) to a blocking stream, field by field. Nothing is flushed until
 * {@link #flush()}, so a request (or several pipelined ones) goes out in one write with a buffered stream. Not
 * thread-safe: one request at a time.
 */
public final class WireOutput {

    private final OutputStream out;
    private final ByteBuffer scratch = WireFormat.allocate(WireFormat.I64_BYTES);

    /** @param out where the frames go, typically a buffered socket stream */
    public WireOutput(OutputStream out) {
        this.out = out;
    }

    /** Writes one byte: an opcode or a reply code. */
    public WireOutput u8(int value) throws IOException {
        out.write(value);
        return this;
    }

    /** Writes the opcode of the command in the generation. */
    public WireOutput opcode(TcpProtocol protocol, Command command) throws IOException {
        return u8(command.opcode(protocol));
    }

    /** Writes a {@code u32}. */
    public WireOutput u32(int value) throws IOException {
        scratch.clear();
        scratch.putInt(value);
        out.write(scratch.array(), 0, WireFormat.U32_BYTES);
        return this;
    }

    /** Writes an {@code i64} (or a {@code u64} length or count). */
    public WireOutput i64(long value) throws IOException {
        scratch.clear();
        scratch.putLong(value);
        out.write(scratch.array(), 0, WireFormat.I64_BYTES);
        return this;
    }

    /** Writes a byte vector: its length, then the bytes. */
    public WireOutput bytes(byte[] value) throws IOException {
        i64(value.length);
        out.write(value);
        return this;
    }

    /** Writes a string as a byte vector of its UTF-8 bytes (how PyTorch's client sends keys). */
    public WireOutput string(String value) throws IOException {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a key list: the count, then each key as {@link #string(String)}. */
    public WireOutput keys(List<String> keys) throws IOException {
        i64(keys.size());
        for (String key : keys) {
            string(key);
        }
        return this;
    }

    /** Sends what was written. */
    public void flush() throws IOException {
        out.flush();
    }
}
