package dev.kvstore.api;

import dev.kvstore.recipes.LockElection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Base of the backends: validates arguments, maps keys through the {@link KeyLayout}, provides component views, the
 * barrier, and an idempotent close. Backends implement the {@code do*} operations on full keys
 * ({@code {namespace}/{component}/{key}}).
 */
public abstract class AbstractKVStore implements KVStore {

    private final KeyLayout layout;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, KVLock> locks = new ConcurrentHashMap<>();

    protected AbstractKVStore(String namespace, String component) {
        this(KeyLayout.of(namespace, component));
    }

    protected AbstractKVStore(KeyLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** @return the layout of this store's keys */
    protected final KeyLayout layout() {
        return layout;
    }

    @Override
    public final String namespace() {
        return layout.namespace();
    }

    @Override
    public final String component() {
        return layout.component();
    }

    @Override
    public KVStore withComponent(String component) {
        return new ComponentView(this, layout.withComponent(component));
    }

    @Override
    public final void setBytes(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        doSet(fullKey(key), value);
    }

    @Override
    public final Optional<byte[]> getBytes(String key) {
        return doGet(fullKey(key));
    }

    @Override
    public final boolean exists(String key) {
        return doExists(fullKey(key));
    }

    @Override
    public final boolean delete(String key) {
        return doDelete(fullKey(key));
    }

    @Override
    public final byte[] waitForKey(String key, Duration timeout) {
        return doWaitForKey(fullKey(key), requireTimeout(timeout));
    }

    @Override
    public final byte[] waitForValue(String key, String expected, Duration timeout) {
        Objects.requireNonNull(expected, "expected");
        return doWaitForValue(fullKey(key), expected.getBytes(StandardCharsets.UTF_8), requireTimeout(timeout));
    }

    @Override
    public final List<String> waitForKeys(String keyPattern, int expectedCount, String value, Duration timeout,
            Collection<String> candidateKeys) {
        KeyPattern pattern = KeyPattern.compile(keyPattern);
        if (expectedCount < 1) {
            throw new IllegalArgumentException("expectedCount must be at least 1, got " + expectedCount);
        }
        List<String> candidates = null;
        if (candidateKeys != null) {
            candidates = new ArrayList<>(candidateKeys.size());
            for (String candidate : candidateKeys) {
                KeyLayout.requireKey(candidate);
                if (pattern.matches(candidate)) {
                    candidates.add(candidate);
                }
            }
        }
        byte[] expectedValue = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        List<String> matched = new ArrayList<>(
                doWaitForKeys(layout, pattern, expectedCount, expectedValue, requireTimeout(timeout), candidates));
        matched.sort(NaturalOrder.INSTANCE);
        return List.copyOf(matched);
    }

    @Override
    public final long add(String key, long delta) {
        return doAdd(fullKey(key), delta);
    }

    @Override
    public final boolean compareAndSet(String key, byte[] expected, byte[] desired) {
        Objects.requireNonNull(desired, "desired");
        return doCompareAndSet(fullKey(key), expected, desired);
    }

    @Override
    public final KeyPage listKeys(String prefix, String continueAfter, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        requireOpen();
        return doListKeys(layout, prefix == null ? "" : prefix, continueAfter, limit);
    }

    @Override
    public final void setEphemeralBytes(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        doSetEphemeral(fullKey(key), value);
    }

    @Override
    public final KVLock lock(String name) {
        KeyLayout.requireKey(name);
        requireOpen();
        return locks.computeIfAbsent(name, n -> newLock(this, layout, n));
    }

    /** A campaign over {@link #lock(String) lock("election/" + name)}. */
    @Override
    public final KVElection elect(String name, KVElection.Listener listener) {
        KeyLayout.requireKey(name);
        return LockElection.start(name, lock("election/" + name), listener);
    }

    @Override
    public final KVWatch watch(String prefix, KVWatch.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        return doWatch(layout, prefix == null ? "" : prefix, listener);
    }

    /**
     * Counter-based barrier: every party adds 1 to {@code barrier/{name}/arrived}; the last one sets
     * {@code barrier/{name}/done}, which every party waits for.
     */
    @Override
    public void barrier(String name, int parties, Duration timeout) {
        KeyLayout.requireKey(name);
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be at least 1, got " + parties);
        }
        requireTimeout(timeout);
        String arrivedKey = "barrier/" + name + "/arrived";
        String doneKey = "barrier/" + name + "/done";
        long arrived = add(arrivedKey, 1);
        if (arrived > parties) {
            throw new KVStoreException("barrier '" + name + "' was reached by " + arrived + " callers but has only "
                    + parties + " parties (a barrier name is single-use)");
        }
        if (arrived == parties) {
            set(doneKey, "1");
            return;
        }
        try {
            waitForKey(doneKey, timeout);
        } catch (KVStoreTimeoutException e) {
            long nowArrived = get(arrivedKey).map(Long::parseLong).orElse(0L);
            throw new KVStoreTimeoutException("barrier '" + name + "' timed out after " + timeout + ": " + nowArrived
                    + " of " + parties + " parties arrived, " + (parties - nowArrived) + " missing", e);
        }
    }

    @Override
    public final void close(boolean cleanup) {
        if (closed.compareAndSet(false, true)) {
            doClose(cleanup);
        }
    }

    /** @return whether {@link #close(boolean)} was called */
    protected final boolean isClosed() {
        return closed.get();
    }

    private String fullKey(String key) {
        requireOpen();
        return layout.fullKey(key);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("KVStore " + layout + " is closed");
        }
    }

    private static Duration requireTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        return timeout;
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
            byte[] value, Duration timeout, List<String> candidateKeys);

    protected abstract long doAdd(String fullKey, long delta);

    /** @param expected the expected value, or {@code null} for "absent" */
    protected abstract boolean doCompareAndSet(String fullKey, byte[] expected, byte[] desired);

    /**
     * Lists a page of the layout's component; see {@link KVStore#listKeys(String, String, int)}. The default throws
     * {@link UnsupportedOperationException}.
     *
     * @param prefix the prefix relative to the component, never {@code null}
     */
    protected KeyPage doListKeys(KeyLayout layout, String prefix, String continueAfter, int limit) {
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

    /** A view bound to another component that delegates to its owner's connection. */
    private static final class ComponentView extends AbstractKVStore {

        private final AbstractKVStore owner;

        ComponentView(AbstractKVStore owner, KeyLayout layout) {
            super(layout);
            this.owner = owner;
        }

        @Override
        public KVStore withComponent(String component) {
            return owner.withComponent(component);
        }

        @Override
        protected void doSet(String fullKey, byte[] value) {
            owner.doSet(fullKey, value);
        }

        @Override
        protected Optional<byte[]> doGet(String fullKey) {
            return owner.doGet(fullKey);
        }

        @Override
        protected boolean doExists(String fullKey) {
            return owner.doExists(fullKey);
        }

        @Override
        protected boolean doDelete(String fullKey) {
            return owner.doDelete(fullKey);
        }

        @Override
        protected byte[] doWaitForKey(String fullKey, Duration timeout) {
            return owner.doWaitForKey(fullKey, timeout);
        }

        @Override
        protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration timeout) {
            return owner.doWaitForValue(fullKey, expected, timeout);
        }

        @Override
        protected List<String> doWaitForKeys(KeyLayout layout, KeyPattern pattern, int expectedCount, byte[] value,
                Duration timeout, List<String> candidateKeys) {
            return owner.doWaitForKeys(layout, pattern, expectedCount, value, timeout, candidateKeys);
        }

        @Override
        protected long doAdd(String fullKey, long delta) {
            return owner.doAdd(fullKey, delta);
        }

        @Override
        protected boolean doCompareAndSet(String fullKey, byte[] expected, byte[] desired) {
            return owner.doCompareAndSet(fullKey, expected, desired);
        }

        @Override
        protected KeyPage doListKeys(KeyLayout layout, String prefix, String continueAfter, int limit) {
            return owner.doListKeys(layout, prefix, continueAfter, limit);
        }

        @Override
        protected KVLock newLock(KVStore view, KeyLayout layout, String name) {
            return owner.newLock(view, layout, name);
        }

        @Override
        protected void doSetEphemeral(String fullKey, byte[] value) {
            owner.doSetEphemeral(fullKey, value);
        }

        @Override
        protected KVWatch doWatch(KeyLayout layout, String prefix, KVWatch.Listener listener) {
            return owner.doWatch(layout, prefix, listener);
        }

        @Override
        public void onLeaseLoss(java.util.function.Consumer<String> listener) {
            owner.onLeaseLoss(listener);
        }

        @Override
        protected void doClose(boolean cleanup) {
            // A view does not own the connection.
        }
    }
}
