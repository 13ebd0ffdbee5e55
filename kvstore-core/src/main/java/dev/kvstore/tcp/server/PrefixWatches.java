package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java master's prefix watches ({@link JavaMasterExtension#WATCH_PREFIX}): a connection subscribes to a prefix,
 * gets the keys under it at once, then one frame per change, all produced on the event loop so that no change falls
 * between the state and the frames. One watch per connection, which then takes no other request. Frames share the
 * stored values rather than copying them; a watcher that does not read them is closed by its connection's unread
 * reply bound, like any client.
 */
final class PrefixWatches {

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

    /** Sends the state under the prefix and subscribes the connection to the changes after it. */
    void subscribe(Connection client, String prefix) throws ProtocolViolation {
        if (prefixByWatcher.containsKey(client)) {
            throw new ProtocolViolation("a second WATCH_PREFIX on a watch connection (one watch per connection)");
        }
        List<ByteBuffer> entries = new ArrayList<>();
        long matching = 0;
        for (Map.Entry<String, byte[]> entry : store.values().entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                matching++;
                addKeyValue(entries, entry.getKey(), entry.getValue());
            }
        }
        List<ByteBuffer> reply = new ArrayList<>(entries.size() + 1);
        reply.add(WireFormat.i64(matching));
        reply.addAll(entries);
        client.send(reply.toArray(new ByteBuffer[0]));
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

    private void notifyWatchers(String key, byte[] value) {
        if (prefixByWatcher.isEmpty()) {
            return;
        }
        for (Map.Entry<Connection, String> watch : prefixByWatcher.entrySet()) {
            if (key.startsWith(watch.getValue())) {
                List<ByteBuffer> frame = new ArrayList<>(4);
                frame.add(WireFormat.u8(value == null ? JavaMasterExtension.EVENT_DELETE
                        : JavaMasterExtension.EVENT_PUT));
                if (value == null) {
                    frame.add(string(key));
                } else {
                    addKeyValue(frame, key, value);
                }
                watch.getKey().send(frame.toArray(new ByteBuffer[0]));
            }
        }
    }

    /** {@code str key, bytes value}; the value is shared, not copied (stored values are never mutated). */
    private static void addKeyValue(List<ByteBuffer> parts, String key, byte[] value) {
        parts.add(string(key));
        parts.addAll(List.of(WireFormat.bytes(value)));
    }

    private static ByteBuffer string(String key) {
        return WireFormat.allocate(WireFormat.I64_BYTES + key.length()).putLong(key.length())
                .put(WireKeys.toBytes(key)).flip();
    }
}
