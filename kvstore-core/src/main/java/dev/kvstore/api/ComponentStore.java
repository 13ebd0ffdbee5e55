package dev.kvstore.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The {@link KVStore} API of one component, run on a backend: validates arguments, maps keys through the
 * {@link KeyLayout} and calls the backend's {@code do*} operations. A backend ({@link AbstractKVStore}) is this for
 * its own layout; a view of another component ({@link KVStore#withComponent}) is this for another layout over its
 * owner's operations, so every backend operation reaches views without a second list of them.
 *
 * <p>Not for extension: backends extend {@link AbstractKVStore}. It is public only so that its methods can be called
 * by reflection (e.g. from scripting languages) on any backend.
 */
public abstract sealed class ComponentStore implements KVStore permits AbstractKVStore, ComponentView {

    private final KeyLayout layout;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, KVLock> locks = new ConcurrentHashMap<>();

    ComponentStore(KeyLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** @return the backend whose operations this component runs on: the store itself, or a view's owner */
    abstract AbstractKVStore backend();

    /** Releases what this store owns; called once, by the first {@link #close(boolean)}. */
    abstract void release(boolean cleanup);

    /** @return the layout of this store's keys */
    protected final KeyLayout layout() {
        return layout;
    }

    /** @return whether {@link #close(boolean)} was called */
    protected final boolean isClosed() {
        return closed.get();
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
    public final void setBytes(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        backend().doSet(fullKey(key), value);
    }

    @Override
    public final Optional<byte[]> getBytes(String key) {
        return backend().doGet(fullKey(key));
    }

    @Override
    public final boolean exists(String key) {
        return backend().doExists(fullKey(key));
    }

    @Override
    public final boolean delete(String key) {
        return backend().doDelete(fullKey(key));
    }

    @Override
    public final byte[] waitForKey(String key, Duration timeout) {
        return backend().doWaitForKey(fullKey(key), requireTimeout(timeout));
    }

    @Override
    public final byte[] waitForValue(String key, String expected, Duration timeout) {
        Objects.requireNonNull(expected, "expected");
        return backend().doWaitForValue(fullKey(key), expected.getBytes(StandardCharsets.UTF_8),
                requireTimeout(timeout));
    }

    @Override
    public final List<String> waitForKeys(KeysQuery query, Duration timeout) {
        KeyPattern pattern = query.pattern();
        List<String> given = query.candidateKeys();
        List<String> candidates = given == null ? null : given.stream().filter(pattern::matches).toList();
        String value = query.value();
        byte[] expectedValue = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        List<String> matched = new ArrayList<>(backend().doWaitForKeys(layout, pattern, query.expectedCount(),
                expectedValue, requireTimeout(timeout), candidates));
        matched.sort(NaturalOrder.INSTANCE);
        return List.copyOf(matched);
    }

    @Override
    public final long add(String key, long delta) {
        return backend().doAdd(fullKey(key), delta);
    }

    @Override
    public final boolean compareAndSet(String key, byte @Nullable [] expected, byte[] desired) {
        Objects.requireNonNull(desired, "desired");
        return backend().doCompareAndSet(fullKey(key), expected, desired);
    }

    @Override
    public final KeyPage listKeys(@Nullable String prefix, @Nullable String continueAfter, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        requireOpen();
        return backend().doListKeys(layout, prefix == null ? "" : prefix, continueAfter, limit);
    }

    @Override
    public final void setEphemeralBytes(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        backend().doSetEphemeral(fullKey(key), value);
    }

    @Override
    public final KVLock lock(String name) {
        KeyLayout.requireKey(name);
        requireOpen();
        return locks.computeIfAbsent(name, n -> backend().newLock(this, layout, n));
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
        return backend().doWatch(layout, prefix == null ? "" : prefix, listener);
    }

    /** The {@link SingleUseBarrier} of this name among this component's keys. */
    @Override
    public void barrier(String name, int parties, Duration timeout) {
        KeyLayout.requireKey(name);
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be at least 1, got " + parties);
        }
        SingleUseBarrier.await(this, name, parties, requireTimeout(timeout));
    }

    @Override
    public final void close(boolean cleanup) {
        if (closed.compareAndSet(false, true)) {
            release(cleanup);
        }
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
}
