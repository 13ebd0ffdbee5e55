package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Java master's prefix watches ({@link JavaMasterExtension#WATCH_PREFIX}): a connection subscribes to a prefix,
 * gets the keys under it at once, then one frame per change, all produced on the event loop so that no change falls
 * between the state and the frames. One watch per connection, which then takes no other request. Frames share the
 * stored values rather than copying them; what they hold is charged to the server's memory budget like any reply, and
 * a watcher that does not read them is closed by its connection's unread reply bound or, past the budget, as the
 * connection with the most unread replies.
 */
final class PrefixWatches {

    /** Size of the buffers a watch's initial state is built in. */
    private static final int CHUNK_BYTES = 64 * 1024;
    /** Values from this size on are shared with the store in a watch's initial state rather than copied. */
    private static final int SHARED_VALUE_BYTES = 4 * 1024;

    private final MemoryServerStore store;
    private final Map<Connection, String> prefixByWatcher = new IdentityHashMap<>();
    private volatile int count;

    PrefixWatches(MemoryServerStore store) {
        this.store = store;
    }

    /** @return connections watching a prefix */
    int count() {
        return count;
    }

    /** @return whether the connection is a watch stream, which takes no further request */
    boolean isWatching(Connection client) {
        return !prefixByWatcher.isEmpty() && prefixByWatcher.containsKey(client);
    }

    /**
     * Sends the state under the prefix and subscribes the connection to the changes after it. The state is measured
     * first and charged to the memory budget before it is built, so a state that cannot be held costs nothing; it is
     * built in 64 KiB chunks (values of 4 KiB and more shared, not copied), so its heap is about its bytes.
     */
    void subscribe(Connection client, String prefix) throws ProtocolViolation {
        if (prefixByWatcher.containsKey(client)) {
            throw new ProtocolViolation("a second WATCH_PREFIX on a watch connection (one watch per connection)");
        }
        long matching = 0;
        long bytes = WireFormat.I64_BYTES;
        int sharedValues = 0;
        for (Map.Entry<String, byte[]> entry : store.values().entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                matching++;
                bytes += 2L * WireFormat.I64_BYTES + entry.getKey().length() + entry.getValue().length;
                if (entry.getValue().length >= SHARED_VALUE_BYTES) {
                    sharedValues++;
                }
            }
        }
        if (!client.reserve(bytes, Math.toIntExact(Math.min(Integer.MAX_VALUE,
                2L * sharedValues + bytes / CHUNK_BYTES + 1)))) {
            return; // refused: larger than a connection may leave unread, or no room in the memory budget
        }
        Chunks reply = new Chunks();
        reply.putLong(matching);
        for (Map.Entry<String, byte[]> entry : store.values().entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                reply.putKey(entry.getKey());
                reply.putValue(entry.getValue());
            }
        }
        client.send(reply.finish());
        prefixByWatcher.put(client, prefix);
        this.count = prefixByWatcher.size();
    }

    /** The key now holds {@code value}. */
    void written(String key, byte[] value) {
        notifyWatchers(key, value);
    }

    /** The key was deleted. */
    void deleted(String key) {
        notifyWatchers(key, null);
    }

    /** The connection closed. */
    void forgotten(Connection client) {
        if (prefixByWatcher.remove(client) != null) {
            count = prefixByWatcher.size();
        }
    }

    /**
     * One frame per change, its head (event, key, value length) built once and shared by every watcher of the change
     * with the value: a watcher's frame costs two buffer views, charged to the memory budget like any reply.
     */
    private void notifyWatchers(String key, byte @Nullable [] value) {
        if (prefixByWatcher.isEmpty()) {
            return;
        }
        @Nullable ByteBuffer head = null;
        for (Map.Entry<Connection, String> watch : prefixByWatcher.entrySet()) {
            if (key.startsWith(watch.getValue())) {
                if (head == null) {
                    head = frameHead(key, value);
                }
                if (value == null || value.length == 0) {
                    watch.getKey().send(head.duplicate());
                } else {
                    watch.getKey().send(head.duplicate(), ByteBuffer.wrap(value));
                }
            }
        }
    }

    /** {@code u8 event, str key} and, for a PUT, the value's {@code i64} length; the value follows on its own. */
    private static ByteBuffer frameHead(String key, byte @Nullable [] value) {
        ByteBuffer head = WireFormat.allocate(1 + WireFormat.I64_BYTES + key.length()
                + (value == null ? 0 : WireFormat.I64_BYTES));
        head.put((byte) (value == null ? JavaMasterExtension.EVENT_DELETE : JavaMasterExtension.EVENT_PUT));
        putKey(head, key);
        if (value != null) {
            head.putLong(value.length);
        }
        return head.flip();
    }

    /** {@code str key}: keys hold their wire bytes one char per byte ({@link WireKeys}), copied without a byte[]. */
    private static void putKey(ByteBuffer buffer, String key) {
        buffer.putLong(key.length());
        for (int i = 0; i < key.length(); i++) {
            buffer.put((byte) key.charAt(i));
        }
    }

    /** A reply built in chunks: small fields are copied into 64 KiB buffers, large values shared. */
    private static final class Chunks {

        private final List<ByteBuffer> parts = new ArrayList<>();
        private @Nullable ByteBuffer chunk;

        void putLong(long value) {
            room(WireFormat.I64_BYTES).putLong(value);
        }

        void putKey(String key) {
            PrefixWatches.putKey(room(WireFormat.I64_BYTES + key.length()), key);
        }

        /** {@code bytes value}: copied if small, else its length here and the stored array shared. */
        void putValue(byte[] value) {
            if (value.length < SHARED_VALUE_BYTES) {
                room(WireFormat.I64_BYTES + value.length).putLong(value.length).put(value);
                return;
            }
            putLong(value.length);
            close();
            parts.add(ByteBuffer.wrap(value));
        }

        ByteBuffer[] finish() {
            close();
            return parts.toArray(new ByteBuffer[0]);
        }

        private ByteBuffer room(int bytes) {
            ByteBuffer current = chunk;
            if (current == null || current.remaining() < bytes) {
                close();
                current = WireFormat.allocate(Math.max(CHUNK_BYTES, bytes));
                chunk = current;
            }
            return current;
        }

        private void close() {
            ByteBuffer current = chunk;
            if (current != null && current.position() > 0) {
                parts.add(current.flip());
            }
            chunk = null;
        }
    }
}
