package dev.kvstore.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Base of the backends: the {@link KVStore} API (argument validation, the {@link KeyLayout}, component views, the
 * barrier, an idempotent close) over the {@code do*} operations that backends implement on full keys
 * ({@code {namespace}/{component}/{key}}). A view of another component runs on these same operations.
 */
public abstract non-sealed class AbstractKVStore extends ComponentStore {

    protected AbstractKVStore(String namespace, String component) {
        this(KeyLayout.of(namespace, component));
    }

    protected AbstractKVStore(KeyLayout layout) {
        super(layout);
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
     * Waits for {@code expectedCount} keys of the layout's component to match.
     *
     * @param layout the namespace and component to search (a view passes its own)
     * @param value the value to match, or {@code null} for any
     * @param candidateKeys keys relative to the component, already filtered by the pattern, or {@code null} if the
     *     caller gave none
     * @return matching keys relative to the component, in any order
     */
    protected abstract List<String> doWaitForKeys(KeyLayout layout, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration timeout, @Nullable List<String> candidateKeys);

    protected abstract long doAdd(String fullKey, long delta);

    /** @param expected the expected value, or {@code null} for "absent" */
    protected abstract boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired);

    /**
     * Lists a page of the layout's component; see {@link KVStore#listKeys(String, String, int)}. The default throws
     * {@link UnsupportedOperationException}.
     *
     * @param prefix the prefix relative to the component, never {@code null}
     */
    protected KeyPage doListKeys(KeyLayout layout, String prefix, @Nullable String continueAfter, int limit) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot list keys");
    }

    /**
     * Stores an ephemeral key; see {@link KVStore#setEphemeralBytes(String, byte[])}. The default throws
     * {@link UnsupportedOperationException}.
     */
    protected void doSetEphemeral(String fullKey, byte[] value) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no ephemeral keys");
    }

    /**
     * Subscribes to the changes under the prefix of the layout's component; see {@link KVStore#watch}. The default
     * throws {@link UnsupportedOperationException}.
     */
    protected KVWatch doWatch(KeyLayout layout, String prefix, KVWatch.Listener listener) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot watch keys");
    }

    /**
     * Creates the lock of this name; see {@link KVStore#lock(String)}. Called once per name and store (or view). The
     * default throws {@link UnsupportedOperationException}.
     *
     * @param view the store (or component view) the lock was asked of
     * @param layout the view's layout
     */
    protected KVLock newLock(KVStore view, KeyLayout layout, String name) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no locks");
    }

    /** Releases the backend; called once. */
    protected abstract void doClose(boolean cleanup);
}
