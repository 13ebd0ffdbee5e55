package dev.kvstore.api;

import dev.kvstore.internal.KeyLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The {@link KVStore} API of one component, run on a backend: validates arguments, maps keys to
 * {@code {namespace}/{component}/{key}} and calls the backend's {@code do*} operations. A backend
 * ({@link AbstractKVStore}) is this for its own layout; a view of another component ({@link KVStore#withComponent}) is
 * this for another layout over its owner's operations, so every backend operation reaches views without a second list
 * of them.
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
    final KeyLayout layout() {
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
        List<String> matched = new ArrayList<>(backend().doWaitForKeys(this, pattern, query.expectedCount(),
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

    /**
     * The backend's capability for this component, wrapped so that every backend gets the same argument checks: a
     * closed store refuses, a {@code null} prefix means all keys, a lock object exists once per name and view.
     */
    @Override
    public final <C extends KVCapability> Optional<C> capability(Class<C> type) {
        Objects.requireNonNull(type, "type");
        requireOpen();
        Optional<? extends KVCapability> offered;
        if (type == KeyListing.class) {
            offered = backend().listing(this).map(this::checked);
        } else if (type == KeyWatches.class) {
            offered = backend().watches(this).map(this::checked);
        } else if (type == EphemeralKeys.class) {
            offered = backend().ephemeralKeys(this).map(this::checked);
        } else if (type == Locks.class) {
            offered = lockCapability();
        } else {
            throw new IllegalArgumentException("not a capability: " + type.getName() + "; ask for KeyListing, "
                    + "KeyWatches, EphemeralKeys or Locks");
        }
        return offered.map(type::cast);
    }

    private KeyListing checked(KeyListing listing) {
        return (prefix, continueAfter, limit) -> {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be at least 1, got " + limit);
            }
            requireOpen();
            return listing.listKeys(prefix == null ? "" : prefix, continueAfter, limit);
        };
    }

    private KeyWatches checked(KeyWatches watches) {
        return (prefix, listener) -> {
            Objects.requireNonNull(listener, "listener");
            requireOpen();
            return watches.watch(prefix == null ? "" : prefix, listener);
        };
    }

    private EphemeralKeys checked(EphemeralKeys keys) {
        return new EphemeralKeys() {
            @Override
            public void setEphemeralBytes(String key, byte[] value) {
                Objects.requireNonNull(value, "value");
                KeyLayout.requireKey(key);
                requireOpen();
                keys.setEphemeralBytes(key, value);
            }

            @Override
            public void onLeaseLoss(Consumer<String> listener) {
                Objects.requireNonNull(listener, "listener");
                requireOpen();
                keys.onLeaseLoss(listener);
            }
        };
    }

    /** This component's locks: one lock object per name, whichever query returned the capability. */
    private Optional<Locks> lockCapability() {
        return backend().locks(this).map(backendLocks -> name -> {
            KeyLayout.requireKey(name);
            requireOpen();
            return locks.computeIfAbsent(name, backendLocks::lock);
        });
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
