package dev.kvstore.tcp.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.List;

/** Encodes replies in the TCPStore wire format: little-endian, byte vectors as {@code u64 length + bytes}. */
final class Replies {

    /** CHECK: all keys present. */
    static final int READY = 0;
    /** CHECK: some key missing. */
    static final int NOT_READY = 1;
    /** WAIT: all awaited keys are set. */
    static final int STOP_WAITING = 0;
    /** CANCEL_WAIT: this connection's waits are cleared. */
    static final int WAIT_CANCELED = 1;
    /** WATCH_KEY acknowledgement (1.13/2.0 KEY_CALLBACK_REGISTERED). */
    static final int KEY_CALLBACK_REGISTERED = 3;

    private Replies() {
    }

    static ByteBuffer u8(int value) {
        return ByteBuffer.wrap(new byte[] {(byte) value});
    }

    static ByteBuffer u32(long value) {
        return allocate(4).putInt((int) value).flip();
    }

    static ByteBuffer i64(long value) {
        return allocate(8).putLong(value).flip();
    }

    /** A byte vector: the length prefix here, the stored bytes shared (stored values are never mutated). */
    static ByteBuffer[] bytes(byte[] value) {
        return new ByteBuffer[] {allocate(8).putLong(value.length).flip(), ByteBuffer.wrap(value)};
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
        long size = 8;
        for (String key : keys) {
            size += 8 + key.length();
        }
        ByteBuffer buffer = allocate(Math.toIntExact(size)).putLong(keys.size());
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
        ByteBuffer head = allocate(1 + 8 + key.length() + 8);
        head.put((byte) type);
        head.putLong(key.length()).put(WireKeys.toBytes(key));
        head.putLong(oldValue.length);
        return new ByteBuffer[] {head.flip(), ByteBuffer.wrap(oldValue), allocate(8).putLong(newValue.length).flip(),
            ByteBuffer.wrap(newValue)};
    }

    private static ByteBuffer allocate(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
