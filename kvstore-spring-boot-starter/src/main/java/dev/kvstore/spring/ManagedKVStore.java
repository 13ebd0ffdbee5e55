package dev.kvstore.spring;

import dev.kvstore.api.KVElection;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyLayout;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.KeysQuery;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The {@link KVStore} bean of the starter: delegates every call to the backend store, tells
 * {@link KVStoreOperationObserver observers} (metrics) about each operation, knows where the store is connected for
 * the health indicator, and is closed on context shutdown by {@link #shutdown()}, which deletes the namespace's keys
 * only where configured ({@code kvstore.cleanup} on rank 0).
 *
 * <p>Creating the bean connects nothing: the backend starts in the context's lifecycle ({@link SmartLifecycle}) on
 * a thread of its own ({@link KVStoreStartup}), and stopping the context aborts a start in progress. Calls made
 * before the store is ready wait for it, bounded by the {@code readyTimeout} (quick operations) or their own timeout
 * (waits and barriers), then fail with a message saying what the start still does.
 *
 * <p>Inject it as {@link KVStore}. {@link #delegate()} gives the backend store itself.
 */
public final class ManagedKVStore implements KVStore, SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(ManagedKVStore.class);

    private final KVStoreStartup startup;

    private final String backend;

    private final String namespace;

    private final String component;

    private final Duration readyTimeout;

    private final boolean cleanupOnShutdown;

    private final List<KVStoreOperationObserver> observers;

    private final boolean root;

    private volatile @Nullable KVStore view;

    /**
     * A managed store around a backend store that is already connected.
     * @param delegate the backend store; this object owns it and closes it
     * @param backend a short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param endpoint where the backend is connected, for humans (health details, logs)
     * @param cleanupOnShutdown whether {@link #shutdown()} deletes the namespace's keys
     * @param observers told about every operation
     */
    public ManagedKVStore(KVStore delegate, String backend, String endpoint, boolean cleanupOnShutdown,
            List<KVStoreOperationObserver> observers) {
        this(KVStoreStartup.started(Objects.requireNonNull(delegate, "delegate"), endpoint), backend,
                delegate.namespace(), delegate.component(), Duration.ZERO, cleanupOnShutdown, observers, true);
    }

    /**
     * A managed store whose backend starts in the context's lifecycle.
     * @param startup starts the backend store; this object owns it and closes the store
     * @param backend a short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param namespace the namespace of the store being started
     * @param component the component of the store being started
     * @param readyTimeout how long a quick operation called before the store is ready waits for it
     * @param cleanupOnShutdown whether {@link #shutdown()} deletes the namespace's keys
     * @param observers told about every operation
     */
    public ManagedKVStore(KVStoreStartup startup, String backend, String namespace, String component,
            Duration readyTimeout, boolean cleanupOnShutdown, List<KVStoreOperationObserver> observers) {
        this(startup, backend, namespace, component, readyTimeout, cleanupOnShutdown, observers, true);
    }

    private ManagedKVStore(KVStoreStartup startup, String backend, String namespace, String component,
            Duration readyTimeout, boolean cleanupOnShutdown, List<KVStoreOperationObserver> observers,
            boolean root) {
        this.startup = Objects.requireNonNull(startup, "startup");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.component = Objects.requireNonNull(component, "component");
        this.readyTimeout = Objects.requireNonNull(readyTimeout, "readyTimeout");
        this.cleanupOnShutdown = cleanupOnShutdown;
        this.observers = List.copyOf(observers);
        this.root = root;
    }

    /**
     * @return the backend store this one delegates to, once started (waiting for it as a quick operation does)
     * @throws dev.kvstore.api.KVStoreException if it did not start in time or failed to start
     */
    public KVStore delegate() {
        return store(this.readyTimeout, "delegate()");
    }

    /** @return the start of the backend store: whether it is ready, what it does meanwhile */
    public KVStoreStartup startup() {
        return this.startup;
    }

    /**
     * Waits until the backend store started, bounded by the start's own timeouts (connect and worker wait);
     * returns at once when the start was aborted (the context stopped).
     * @throws Exception why the store failed to start, typically a {@link KVStoreStartupException}
     */
    public void awaitStarted() throws Exception {
        this.startup.awaitCompletion();
    }

    /** @return the short name of the backend, e.g. {@code tcp} or {@code etcd} */
    public String backend() {
        return this.backend;
    }

    /** @return where the backend is connected, e.g. {@code 127.0.0.1:29500 (master)} */
    public String endpoint() {
        return this.startup.endpoint();
    }

    /** @return whether {@link #shutdown()} deletes the namespace's keys */
    public boolean isCleanupOnShutdown() {
        return this.cleanupOnShutdown;
    }

    /** Starts the backend store on its own thread (the context's lifecycle calls it); returns at once. */
    @Override
    public void start() {
        this.startup.begin();
    }

    /** Aborts a start in progress (the context stopping); a started store stays open until {@link #shutdown()}. */
    @Override
    public void stop() {
        this.startup.abort();
    }

    @Override
    public boolean isRunning() {
        return this.root && this.startup.isBegun() && !this.startup.isAborted();
    }

    /**
     * Closes the store as configured: {@code close(true)} if {@link #isCleanupOnShutdown()}, else {@code close(false)}.
     * The application context calls it on shutdown, after the beans that depend on the store are destroyed. A start
     * still in progress is aborted.
     */
    public void shutdown() {
        this.startup.abort();
        if (this.startup.isReady()) {
            KVStore started = this.startup.await(Duration.ZERO, "shutdown");
            logger.debug("Closing KVStore {} on {} (cleanup: {})", this.namespace, endpoint(), this.cleanupOnShutdown);
            started.close(this.cleanupOnShutdown);
        }
    }

    @Override
    public String namespace() {
        return this.namespace;
    }

    @Override
    public String component() {
        return this.component;
    }

    /** @return a managed view of another component, reporting to the same observers; closing it does nothing */
    @Override
    public KVStore withComponent(String component) {
        KeyLayout.of(this.namespace, component); // the backend's rule, checked now rather than at the first call
        return new ManagedKVStore(this.startup, this.backend, this.namespace, component, this.readyTimeout, false,
                this.observers, false);
    }

    /** The backend store for this view's component, waiting up to {@code timeout} for it to start. */
    private KVStore store(Duration timeout, String operation) {
        KVStore current = this.view;
        if (current != null) {
            return current;
        }
        KVStore started = this.startup.await(timeout, operation);
        current = started.component().equals(this.component) ? started : started.withComponent(this.component);
        this.view = current;
        return current;
    }

    private KVStore store() {
        return store(this.readyTimeout, "KVStore operation");
    }

    /** Calls a wait with what is left of its timeout once the store is ready. */
    private <T> T withStore(Duration timeout, String operation, BiFunction<KVStore, Duration, T> call) {
        long start = System.nanoTime();
        KVStore started = store(timeout, operation);
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        return call.apply(started, left.isNegative() ? Duration.ZERO : left);
    }

    @Override
    public void setBytes(String key, byte[] value) {
        observe(KVStoreOperation.SET, () -> {
            store().setBytes(key, value);
            return null;
        });
    }

    @Override
    public Optional<byte[]> getBytes(String key) {
        return observe(KVStoreOperation.GET, () -> store().getBytes(key));
    }

    @Override
    public boolean exists(String key) {
        return observe(KVStoreOperation.EXISTS, () -> store().exists(key));
    }

    @Override
    public boolean delete(String key) {
        return observe(KVStoreOperation.DELETE, () -> store().delete(key));
    }

    @Override
    public byte[] waitForKey(String key, Duration timeout) {
        return observe(KVStoreOperation.WAIT_FOR_KEY,
                () -> withStore(timeout, "waitForKey", (store, left) -> store.waitForKey(key, left)));
    }

    @Override
    public byte[] waitForValue(String key, String expected, Duration timeout) {
        return observe(KVStoreOperation.WAIT_FOR_VALUE, () -> withStore(timeout, "waitForValue",
                (store, left) -> store.waitForValue(key, expected, left)));
    }

    @Override
    public List<String> waitForKeys(KeysQuery query, Duration timeout) {
        return observe(KVStoreOperation.WAIT_FOR_KEYS,
                () -> withStore(timeout, "waitForKeys", (store, left) -> store.waitForKeys(query, left)));
    }

    @Override
    public long add(String key, long delta) {
        return observe(KVStoreOperation.ADD, () -> store().add(key, delta));
    }

    @Override
    public boolean compareAndSet(String key, byte @Nullable [] expected, byte[] desired) {
        return observe(KVStoreOperation.COMPARE_AND_SET, () -> store().compareAndSet(key, expected, desired));
    }

    @Override
    public void barrier(String name, int parties, Duration timeout) {
        observe(KVStoreOperation.BARRIER, () -> withStore(timeout, "barrier", (store, left) -> {
            store.barrier(name, parties, left);
            return null;
        }));
    }

    /** Delegates (not observed: a listing is many store calls, not one operation). */
    @Override
    public KeyPage listKeys(@Nullable String prefix, @Nullable String continueAfter, int limit) {
        return store(this.readyTimeout, "listKeys").listKeys(prefix, continueAfter, limit);
    }

    /** Delegates (not observed). */
    @Override
    public void setEphemeralBytes(String key, byte[] value) {
        store(this.readyTimeout, "setEphemeral").setEphemeralBytes(key, value);
    }

    @Override
    public void onLeaseLoss(Consumer<String> listener) {
        store(this.readyTimeout, "onLeaseLoss").onLeaseLoss(listener);
    }

    /** The backend's election: its store calls go to the backend directly and are not observed. */
    @Override
    public KVElection elect(String name, KVElection.Listener listener) {
        return store(this.readyTimeout, "elect").elect(name, listener);
    }

    /** The backend's watch: its store calls go to the backend directly and are not observed. */
    @Override
    public KVWatch watch(@Nullable String prefix, KVWatch.Listener listener) {
        return store(this.readyTimeout, "watch").watch(prefix, listener);
    }

    /** The backend's lock: its store calls go to the backend directly and are not observed. */
    @Override
    public KVLock lock(String name) {
        return store(this.readyTimeout, "lock").lock(name);
    }

    /**
     * Closes the backend store (a view: the backend's view of the component); {@code cleanup} as given (the context
     * itself uses {@link #shutdown()}). Closing the bean while its store still starts aborts the start.
     */
    @Override
    public void close(boolean cleanup) {
        if (this.root) {
            this.startup.abort();
        }
        if (this.startup.isReady()) {
            store(Duration.ZERO, "close").close(cleanup);
        }
    }

    @Override
    public String toString() {
        return "ManagedKVStore[" + this.backend + " " + endpoint() + ", " + this.namespace + "/" + this.component
                + "]";
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

    private void notifyObservers(KVStoreOperation operation, long durationNanos, @Nullable Throwable failure) {
        for (KVStoreOperationObserver observer : this.observers) {
            try {
                observer.operationCompleted(this, operation, durationNanos, failure);
            } catch (RuntimeException ex) {
                logger.debug("KVStore operation observer {} failed", observer, ex);
            }
        }
    }

}
