package dev.kvstore.tcp.server;

/**
 * Hears the in-memory store's ({@link StoreState}'s) writes and forgotten connections; not the storage SPI's
 * {@link dev.kvstore.tcp.server.spi.KeyChangeListener}, which reports a key storage's changes to a gateway.
 *
 * <p>Told of every change of the stored keys and of every connection the store forgets, on the event-loop thread, after
 * the change is applied: what the Java master's prefix watches ({@link PrefixWatches}) and connection-owned
 * ephemeral keys ({@link EphemeralKeys}) are built on.
 *
 * <p>The in-memory store calls {@link #written} after every write of a key (SET, ADD, APPEND, COMPARE_SET that stored,
 * MULTI_SET: one call per key), {@link #deleted} after every delete of an existing key, and {@link #forgotten} when a
 * connection is forgotten, each in the order the changes happened. Queues are not keys and are not reported. A
 * gateway's storage does not call it: the extension commands built on it are refused on a gateway.
 */
interface StoreStateListener {

    /** The key now holds {@code value} (created or replaced). */
    void written(String key, byte[] value);

    /** The key existed and was deleted. */
    void deleted(String key);

    /** The connection closed and the store forgot its waits; what it owned goes now. */
    void forgotten(Connection client);
}
