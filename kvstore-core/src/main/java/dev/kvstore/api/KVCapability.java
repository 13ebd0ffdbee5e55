package dev.kvstore.api;

/**
 * What some stores can do beyond the {@link KVStore} core: list keys ({@link KeyListing}), watch them
 * ({@link KeyWatches}), keep keys that vanish with their owner ({@link EphemeralKeys}), and lock and elect
 * ({@link Locks}). Ask a store for one with {@link KVStore#capability(Class)}, which is empty where the store (on
 * TCPStore: its master) lacks it:
 *
 * <pre>{@code
 * KeyWatches watches = store.capability(KeyWatches.class)
 *         .orElseThrow(() -> new IllegalStateException("this store cannot watch keys"));
 * try (KVWatch watch = watches.watch("config/", listener)) { ... }
 * }</pre>
 *
 * <p>A capability obtained from a store or a {@linkplain KVStore#withComponent component view} works on that store's
 * component, as the store's own methods do, and only while the store is open.
 */
public sealed interface KVCapability permits KeyListing, KeyWatches, EphemeralKeys, Locks {
}
