package dev.kvstore.api;

import dev.kvstore.internal.KeyLayout;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Base of the backends: the {@link KVStore} API (argument validation, the key layout, component views, the
 * barrier, an idempotent close) over the {@code do*} operations that backends implement on full keys
 * ({@code {namespace}/{component}/{key}}), and the {@link KVCapability capabilities} a backend offers, each per
 * component, or empty. A view of another component runs on these same operations: the operations that concern a
 * component's keys as a whole are given the store or view they were called on, whose {@link KVStore#namespace()} and
 * {@link KVStore#component()} name those keys.
 */
public abstract non-sealed class AbstractKVStore extends ComponentStore {

    /**
     * @throws IllegalArgumentException if the namespace or component is null, empty or contains {@code /}
     */
    protected AbstractKVStore(String namespace, String component) {
        super(KeyLayout.of(namespace, component));
    }

    @Override
    final AbstractKVStore backend() {
        return this;
    }

    @Override
    final void release(boolean cleanup) {
        doClose(cleanup);
    }

    @Override
    public KVStore withComponent(String component) {
        return new ComponentView(this, layout().withComponent(component));
    }

    /** Stores the value at the full key. */
    protected abstract void doSet(String fullKey, byte[] value);

    /** @return the value at the full key, or empty */
    protected abstract Optional<byte[]> doGet(String fullKey);

    protected abstract boolean doExists(String fullKey);

    /** @return whether the key existed */
    protected abstract boolean doDelete(String fullKey);

    /** Waits for the full key to exist; see {@link KVStore#waitForKey(String, Duration)}. */
    protected abstract byte[] doWaitForKey(String fullKey, Duration timeout);

    /** Waits for the full key to hold the value; see {@link KVStore#waitForValue(String, String, Duration)}. */
    protected abstract byte[] doWaitForValue(String fullKey, byte[] expected, Duration timeout);

    /**
     * Waits for {@code expectedCount} keys of the view's component to match.
     *
     * @param view the store or component view whose keys to search
     * @param value the value to match, or {@code null} for any
     * @param candidateKeys keys relative to the component, already filtered by the pattern, or {@code null} if the
     *     caller gave none
     * @return matching keys relative to the component, in any order
     */
    protected abstract List<String> doWaitForKeys(KVStore view, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration timeout, @Nullable List<String> candidateKeys);

    protected abstract long doAdd(String fullKey, long delta);

    /** @param expected the expected value, or {@code null} for "absent" */
    protected abstract boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired);

    /**
     * The key listing of a component (this store's or a view's), or empty if this backend (or its server) cannot list
     * keys. Called at every {@link KVStore#capability} query; what it returns gets a non-null prefix and a limit of at
     * least 1.
     */
    protected abstract Optional<KeyListing> listing(KVStore view);

    /**
     * The watches of a component, or empty if this backend (or its server) cannot watch keys. What it returns gets
     * a non-null prefix.
     */
    protected abstract Optional<KeyWatches> watches(KVStore view);

    /** The ephemeral keys of a component (keys relative to it), or empty if this backend (or its server) has none. */
    protected abstract Optional<EphemeralKeys> ephemeralKeys(KVStore view);

    /**
     * The locks of a store or view, or empty if this backend has none. Called at every query; the store keeps one lock
     * per name and view, so {@link Locks#lock} of what it returns is called once per name.
     *
     * @param view the store (or component view) the locks were asked of
     */
    protected abstract Optional<Locks> locks(KVStore view);

    /** Releases the backend; called once. */
    protected abstract void doClose(boolean cleanup);
}
