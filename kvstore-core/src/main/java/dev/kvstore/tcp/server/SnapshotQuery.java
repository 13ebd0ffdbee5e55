package dev.kvstore.tcp.server;

import org.jspecify.annotations.Nullable;

/**
 * What a {@link TcpStoreServer#snapshot(SnapshotQuery, java.time.Duration) snapshot} includes, so that its size is
 * bounded however many clients and keys the server has. Immutable.
 *
 * @param keyLimit most keys in the page (0 for none)
 * @param keysAfter the page starts after this key (as shown, UTF-8); {@code null} for the first page
 * @param clientLimit most clients, missing keys, and waiting-client addresses per missing key
 * @param valueBytes how many leading bytes of each value to include; 0 hides values
 */
public record SnapshotQuery(int keyLimit, @Nullable String keysAfter, int clientLimit, int valueBytes) {

    /** Most keys, clients and value bytes one snapshot can include, whatever is asked. */
    public static final int MAX_LIMIT = 10_000;

    public SnapshotQuery {
        requireRange("keyLimit", keyLimit);
        requireRange("clientLimit", clientLimit);
        requireRange("valueBytes", valueBytes);
    }

    /** @return 100 keys from the first, 1000 clients, values hidden */
    public static SnapshotQuery defaults() {
        return new SnapshotQuery(100, null, 1000, 0);
    }

    /** @return this query with another page of keys */
    public SnapshotQuery withKeys(int limit, @Nullable String after) {
        return new SnapshotQuery(limit, after, clientLimit, valueBytes);
    }

    /** @return this query including the first {@code bytes} bytes of each value (0 hides them) */
    public SnapshotQuery withValueBytes(int bytes) {
        return new SnapshotQuery(keyLimit, keysAfter, clientLimit, bytes);
    }

    /** @return this query with at most {@code limit} clients and missing keys */
    public SnapshotQuery withClientLimit(int limit) {
        return new SnapshotQuery(keyLimit, keysAfter, limit, valueBytes);
    }

    private static void requireRange(String name, int value) {
        if (value < 0 || value > MAX_LIMIT) {
            throw new IllegalArgumentException(name + " must be in 0.." + MAX_LIMIT + ", got " + value);
        }
    }
}
