package dev.kvstore.api;

import dev.kvstore.internal.DecimalText;
import dev.kvstore.recipes.LockElection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

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
    public final List<String> waitForKeys(KeysQuery query, Duration timeout) {
        KeyPattern pattern = query.pattern();
        List<String> given = query.candidateKeys();
        List<String> candidates = given == null ? null : given.stream().filter(pattern::matches).toList();
        String value = query.value();
        byte[] expectedValue = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        List<String> matched = new ArrayList<>(doWaitForKeys(layout, pattern, query.expectedCount(), expectedValue,
                requireTimeout(timeout), candidates));
        matched.sort(NaturalOrder.INSTANCE);
        return List.copyOf(matched);
    }

    @Override
    public final long add(String key, long delta) {
        return doAdd(fullKey(key), delta);
    }

    @Override
    public final boolean compareAndSet(String key, byte @Nullable [] expected, byte[] desired) {
        Objects.requireNonNull(desired, "desired");
        return doCompareAndSet(fullKey(key), expected, desired);
    }

    @Override
    public final KeyPage listKeys(@Nullable String prefix, @Nullable String continueAfter, int limit) {
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
    public final KVWatch watch(@Nullable String prefix, KVWatch.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        requireOpen();
        return doWatch(layout, prefix == null ? "" : prefix, listener);
    }

    /**
     * The outcomes a barrier settles on once, under {@code barrier/{name}/done}. "1" is what peers in other languages
     * write when they arrive last (see the README), so they and Java callers agree on it.
     */
    private static final String BARRIER_PASSED = "1";
    private static final String BARRIER_BROKEN = "broken";

    /**
     * A single-use barrier over two keys: {@code barrier/{name}/arrived}, an atomic counter that hands every caller its
     * arrival number, and {@code barrier/{name}/done}, written once by compare-and-set from absent: {@code 1} (passed)
     * by the last arrival, or {@code broken} by a caller whose timeout ran out. Whoever sets it first decides, so a
     * timeout racing the last arrival either breaks the barrier (the last arrival fails too) or loses to it (the
     * timed-out caller was counted and passes). Waiters wait for the outcome key. See {@link KVStore#barrier}.
     */
    @Override
    public void barrier(String name, int parties, Duration timeout) {
        KeyLayout.requireKey(name);
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be at least 1, got " + parties);
        }
        requireTimeout(timeout);
        String arrivedKey = "barrier/" + name + "/arrived";
        String outcomeKey = "barrier/" + name + "/done";
        Optional<String> earlier = get(outcomeKey);
        if (earlier.isPresent()) {
            throw reusedBarrier(name, parties, earlier.get());
        }
        long arrival = add(arrivedKey, 1);
        if (arrival > parties) {
            throw new KVStoreConflictException("barrier '" + name + "' has " + parties + " parties, but this is "
                    + "arrival number " + arrival + ": more callers than parties used this name. A barrier name is "
                    + "single-use: give each round its own name.");
        }
        String outcome;
        if (arrival == parties) {
            outcome = settleBarrier(outcomeKey, BARRIER_PASSED);
        } else {
            try {
                outcome = new String(waitForKey(outcomeKey, timeout), StandardCharsets.UTF_8);
            } catch (KVStoreTimeoutException e) {
                long arrived = arrivals(arrivedKey);
                outcome = settleBarrier(outcomeKey, BARRIER_BROKEN);
                if (outcome.equals(BARRIER_BROKEN)) {
                    throw new KVStoreTimeoutException("barrier '" + name + "' timed out after " + timeout + ": "
                            + arrived + " of " + parties + " parties arrived, " + (parties - arrived) + " missing. "
                            + "The barrier is now broken: callers still waiting fail too, and later calls with "
                            + "this name get KVStoreConflictException; use a new name to try again.", e);
                }
                // The last arrival set '1' first: every party, this one included, was there.
            }
        }
        if (!outcome.equals(BARRIER_PASSED)) {
            long arrived = arrivals(arrivedKey);
            throw new KVStoreTimeoutException("barrier '" + name + "' broke: another caller timed out while "
                    + arrived + " of " + parties + " parties had arrived, so it will never pass. Use a new name to "
                    + "try again.");
        }
    }

    /**
     * Sets the barrier's outcome if none is set yet.
     *
     * @return the outcome that holds now: the proposed one, or the one another caller set first
     */
    /** @return how many parties arrived at the barrier, by its counter (0 if it is missing or no number) */
    private long arrivals(String arrivedKey) {
        return getBytes(arrivedKey).map(value -> DecimalText.parse(value).orElse(0)).orElse(0L);
    }

    private String settleBarrier(String outcomeKey, String proposed) {
        byte[] value = proposed.getBytes(StandardCharsets.UTF_8);
        if (compareAndSet(outcomeKey, null, value)) {
            // Wake waiters also on a server whose compare-and-set does not (the value cannot change any more).
            setBytes(outcomeKey, value);
            return proposed;
        }
        return get(outcomeKey).orElseThrow(() -> new KVStoreException("barrier outcome '" + outcomeKey
                + "' was neither set by this caller nor readable afterwards (deleted while in use?)"));
    }

    private static KVStoreConflictException reusedBarrier(String name, int parties, String outcome) {
        String what = outcome.equals(BARRIER_PASSED) ? "already passed"
                : "is broken (a caller timed out before all " + parties + " parties arrived; it never passes)";
        return new KVStoreConflictException("barrier '" + name + "' " + what + ". A barrier name is single-use: "
                + "give each round its own name, e.g. with a round number.");
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
        protected List<String> doWaitForKeys(KeyLayout layout, KeyPattern pattern, int expectedCount,
                byte @Nullable [] value, Duration timeout, @Nullable List<String> candidateKeys) {
            return owner.doWaitForKeys(layout, pattern, expectedCount, value, timeout, candidateKeys);
        }

        @Override
        protected long doAdd(String fullKey, long delta) {
            return owner.doAdd(fullKey, delta);
        }

        @Override
        protected boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
            return owner.doCompareAndSet(fullKey, expected, desired);
        }

        @Override
        protected KeyPage doListKeys(KeyLayout layout, String prefix, @Nullable String continueAfter, int limit) {
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
        public void onLeaseLoss(Consumer<String> listener) {
            owner.onLeaseLoss(listener);
        }

        @Override
        protected void doClose(boolean cleanup) {
            // A view does not own the connection.
        }
    }
}
