package dev.kvstore.tcp.protocol.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads TCPStore frames ({@link WireFormat}) from a blocking stream. Lengths are checked against a bound before
 * anything is allocated for them, so a corrupt stream fails with {@link MalformedFrameException} instead of
 * exhausting the heap; the end of the stream fails with {@link EOFException}. Not thread-safe.
 */
public final class WireInput {

    private final InputStream in;
    private final long maxLength;
    private final ByteBuffer scratch = WireFormat.allocate(WireFormat.I64_BYTES);

    /**
     * @param in where the frames come from, typically a buffered socket stream
     * @param maxLength the longest byte vector accepted (at most {@code Integer.MAX_VALUE - 16}, the largest array)
     */
    public WireInput(InputStream in, long maxLength) {
        if (maxLength < 0 || maxLength > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxLength must be in 0.." + (Integer.MAX_VALUE - 16) + ", got "
                    + maxLength);
        }
        this.in = in;
        this.maxLength = maxLength;
    }

    /** @return the next byte, unsigned */
    public int u8() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    /** @return the next {@code u32} */
    public long u32() throws IOException {
        readFully(scratch.array(), WireFormat.U32_BYTES);
        return Integer.toUnsignedLong(scratch.getInt(0));
    }

    /** @return the next {@code i64} (or {@code u64} length or count) */
    public long i64() throws IOException {
        readFully(scratch.array(), WireFormat.I64_BYTES);
        return scratch.getLong(0);
    }

    /**
     * @return the next count of a list, checked against the length bound (a count of items of at least one byte
     *     each cannot be larger)
     */
    public long count(String what) throws IOException {
        long count = i64();
        if (count < 0 || count > maxLength) {
            throw new MalformedFrameException(what + " " + Long.toUnsignedString(count));
        }
        return count;
    }

    /** @return the next byte vector */
    public byte[] bytes() throws IOException {
        long length = i64();
        if (length < 0 || length > maxLength) {
            throw new MalformedFrameException("value length " + Long.toUnsignedString(length));
        }
        byte[] bytes = new byte[(int) length];
        readFully(bytes, bytes.length);
        return bytes;
    }

    /** @return the next byte vector as UTF-8 text */
    public String string() throws IOException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    private void readFully(byte[] into, int length) throws IOException {
        int read = 0;
        while (read < length) {
            int n = in.read(into, read, length - read);
            if (n < 0) {
                throw new EOFException();
            }
            read += n;
        }
    }
}
