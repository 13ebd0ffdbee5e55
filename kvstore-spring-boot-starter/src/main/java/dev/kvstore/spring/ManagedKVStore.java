package dev.kvstore.spring;

import dev.kvstore.api.KVElection;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyPage;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link KVStore} bean of the starter: delegates every call to the backend store, tells
 * {@link KVStoreOperationObserver observers} (metrics) about each operation, knows where the store is connected for
 * the health indicator, and is closed on context shutdown by {@link #shutdown()}, which deletes the namespace's keys
 * only where configured ({@code kvstore.cleanup} on rank 0).
 *
 * <p>Inject it as {@link KVStore}. {@link #delegate()} gives the backend store itself.
 */
public final class ManagedKVStore implements KVStore {

    private static final Logger logger = LoggerFactory.getLogger(ManagedKVStore.class);

    private final KVStore delegate;

    private final String backend;

    private final String endpoint;

    private final boolean cleanupOnShutdown;

    private final List<KVStoreOperationObserver> observers;

    /**
     * @param delegate the backend store; this object owns it and closes it
     * @param backend a short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param endpoint where the backend is connected, for humans (health details, logs)
     * @param cleanupOnShutdown whether {@link #shutdown()} deletes the namespace's keys
     * @param observers told about every operation
     */
    public ManagedKVStore(KVStore delegate, String backend, String endpoint, boolean cleanupOnShutdown,
            List<KVStoreOperationObserver> observers) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.cleanupOnShutdown = cleanupOnShutdown;
        this.observers = List.copyOf(observers);
    }

    /** @return the backend store this one delegates to */
    public KVStore delegate() {
        return this.delegate;
    }

    /** @return the short name of the backend, e.g. {@code tcp} or {@code etcd} */
    public String backend() {
        return this.backend;
    }

    /** @return where the backend is connected, e.g. {@code 127.0.0.1:29500 (master)} */
    public String endpoint() {
        return this.endpoint;
    }

    /** @return whether {@link #shutdown()} deletes the namespace's keys */
    public boolean isCleanupOnShutdown() {
        return this.cleanupOnShutdown;
    }

    /**
     * Closes the store as configured: {@code close(true)} if {@link #isCleanupOnShutdown()}, else {@code close(false)}.
     * The application context calls it on shutdown, after the beans that depend on the store are destroyed.
     */
    public void shutdown() {
        logger.debug("Closing KVStore {} on {} (cleanup: {})", this.delegate.namespace(), this.endpoint,
                this.cleanupOnShutdown);
        this.delegate.close(this.cleanupOnShutdown);
    }

    @Override
    public String namespace() {
        return this.delegate.namespace();
    }

    @Override
    public String component() {
        return this.delegate.component();
    }

    /** @return a managed view of another component, reporting to the same observers; closing it does nothing */
    @Override
    public KVStore withComponent(String component) {
        return new ManagedKVStore(this.delegate.withComponent(component), this.backend, this.endpoint, false,
                this.observers);
    }

    @Override
    public void setBytes(String key, byte[] value) {
        observe(KVStoreOperation.SET, () -> {
            this.delegate.setBytes(key, value);
            return null;
        });
    }

    @Override
    public Optional<byte[]> getBytes(String key) {
        return observe(KVStoreOperation.GET, () -> this.delegate.getBytes(key));
    }

    @Override
    public boolean exists(String key) {
        return observe(KVStoreOperation.EXISTS, () -> this.delegate.exists(key));
    }

    @Override
    public boolean delete(String key) {
        return observe(KVStoreOperation.DELETE, () -> this.delegate.delete(key));
    }

    @Override
    public byte[] waitForKey(String key, Duration timeout) {
        return observe(KVStoreOperation.WAIT_FOR_KEY, () -> this.delegate.waitForKey(key, timeout));
    }

    @Override
    public byte[] waitForValue(String key, String expected, Duration timeout) {
        return observe(KVStoreOperation.WAIT_FOR_VALUE, () -> this.delegate.waitForValue(key, expected, timeout));
    }

    @Override
    public List<String> waitForKeys(String keyPattern, int expectedCount, String value, Duration timeout,
            Collection<String> candidateKeys) {
        return observe(KVStoreOperation.WAIT_FOR_KEYS,
                () -> this.delegate.waitForKeys(keyPattern, expectedCount, value, timeout, candidateKeys));
    }

    @Override
    public long add(String key, long delta) {
        return observe(KVStoreOperation.ADD, () -> this.delegate.add(key, delta));
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] desired) {
        return observe(KVStoreOperation.COMPARE_AND_SET, () -> this.delegate.compareAndSet(key, expected, desired));
    }

    @Override
    public void barrier(String name, int parties, Duration timeout) {
        observe(KVStoreOperation.BARRIER, () -> {
            this.delegate.barrier(name, parties, timeout);
            return null;
        });
    }

    /** Delegates (not observed: a listing is many store calls, not one operation). */
    @Override
    public KeyPage listKeys(String prefix, String continueAfter, int limit) {
        return this.delegate.listKeys(prefix, continueAfter, limit);
    }

    /** Delegates (not observed). */
    @Override
    public void setEphemeralBytes(String key, byte[] value) {
        this.delegate.setEphemeralBytes(key, value);
    }

    @Override
    public void onLeaseLoss(java.util.function.Consumer<String> listener) {
        this.delegate.onLeaseLoss(listener);
    }

    /** The backend's election: its store calls go to the backend directly and are not observed. */
    @Override
    public KVElection elect(String name, KVElection.Listener listener) {
        return this.delegate.elect(name, listener);
    }

    /** The backend's watch: its store calls go to the backend directly and are not observed. */
    @Override
    public KVWatch watch(String prefix, KVWatch.Listener listener) {
        return this.delegate.watch(prefix, listener);
    }

    /** The backend's lock: its store calls go to the backend directly and are not observed. */
    @Override
    public KVLock lock(String name) {
        return this.delegate.lock(name);
    }

    /** Closes the backend store; {@code cleanup} as given (the context itself uses {@link #shutdown()}). */
    @Override
    public void close(boolean cleanup) {
        this.delegate.close(cleanup);
    }

    @Override
    public String toString() {
        return "ManagedKVStore[" + this.backend + " " + this.endpoint + ", " + this.delegate.namespace() + "/"
                + this.delegate.component() + "]";
    }

    private <T> T observe(KVStoreOperation operation, Supplier<T> call) {
        if (this.observers.isEmpty()) {
            return call.get();
        }
        long start = System.nanoTime();
        T result;
        try {
            result = call.get();
        } catch (RuntimeException | Error ex) {
            notifyObservers(operation, System.nanoTime() - start, ex);
            throw ex;
        }
        notifyObservers(operation, System.nanoTime() - start, null);
        return result;
    }

    private void notifyObservers(KVStoreOperation operation, long durationNanos, Throwable failure) {
        for (KVStoreOperationObserver observer : this.observers) {
            try {
                observer.operationCompleted(this, operation, durationNanos, failure);
            } catch (RuntimeException ex) {
                logger.debug("KVStore operation observer {} failed", observer, ex);
            }
        }
    }

}
