package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * Encodes the server's replies in the TCPStore {@link WireFormat}: the single fields come from there, the replies
 * made of several fields (MULTI_GET values, LIST_KEYS, WATCH_KEY notifications) are put together here.
 */
final class Replies {

    private Replies() {
    }

    static ByteBuffer u8(int value) {
        return WireFormat.u8(value);
    }

    static ByteBuffer u32(long value) {
        return WireFormat.u32(value);
    }

    static ByteBuffer i64(long value) {
        return WireFormat.i64(value);
    }

    /** A byte vector: the length prefix here, the stored bytes shared (stored values are never mutated). */
    static ByteBuffer[] bytes(byte[] value) {
        return WireFormat.bytes(value);
    }

    /** Several byte vectors back to back (MULTI_GET). */
    static ByteBuffer[] bytesList(List<byte[]> values) {
        ByteBuffer[] parts = new ByteBuffer[values.size() * 2];
        for (int i = 0; i < values.size(); i++) {
            ByteBuffer[] one = bytes(values.get(i));
            parts[2 * i] = one[0];
            parts[2 * i + 1] = one[1];
        }
        return parts;
    }

    /** LIST_KEYS: {@code i64 n} then n strings. */
    static ByteBuffer keyList(Collection<String> keys) {
        long size = WireFormat.I64_BYTES;
        for (String key : keys) {
            size += WireFormat.I64_BYTES + key.length();
        }
        ByteBuffer buffer = WireFormat.allocate(Math.toIntExact(size)).putLong(keys.size());
        for (String key : keys) {
            buffer.putLong(key.length()).put(WireKeys.toBytes(key));
        }
        return buffer.flip();
    }

    /**
     * A WATCH_KEY notification: {@code u8 type, str key, bytes old, bytes new}. The values are shared, not copied:
     * a change pushed to many watchers must not cost a copy of both values per watcher.
     */
    static ByteBuffer[] watchNotification(int type, String key, byte[] oldValue, byte[] newValue) {
        ByteBuffer head = WireFormat.allocate(1 + WireFormat.I64_BYTES + key.length() + WireFormat.I64_BYTES);
        head.put((byte) type);
        head.putLong(key.length()).put(WireKeys.toBytes(key));
        head.putLong(oldValue.length);
        return new ByteBuffer[] {head.flip(), ByteBuffer.wrap(oldValue), WireFormat.i64(newValue.length),
            ByteBuffer.wrap(newValue)};
    }
}
