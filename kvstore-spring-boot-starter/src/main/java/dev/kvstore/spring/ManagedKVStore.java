package dev.kvstore.spring;

import dev.kvstore.api.KVStore;
import dev.kvstore.internal.KeyLayout;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The {@link KVStore} bean of the starter: delegates every call to the backend store, runs each operation as a
 * Micrometer Observation ({@link KVStoreObservations}: timers, long-task timers of waits in progress, spans), knows
 * where the store is connected for the health indicator and the endpoint, and is closed on context shutdown by
 * {@link #shutdown()}, which deletes the namespace's keys only where configured ({@code kvstore.cleanup} on rank 0).
 *
 * <p>Creating the bean connects nothing: the backend starts in the context's lifecycle ({@link SmartLifecycle}) on
 * a thread of its own ({@link KVStoreStartup}), and stopping the context aborts a start in progress. Calls made
 * before the store is ready wait for it, bounded by the store's request timeout
 * ({@link KVStoreStartup#requestTimeout()}, quick operations) or their own timeout (waits and barriers), then fail
 * with a message saying what the start still does.
 *
 * <p>Inject it as {@link KVStore}. {@link #delegate()} gives the backend store itself.
 */
public final class ManagedKVStore extends ForwardingKVStore implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(ManagedKVStore.class);

    private final KVStoreStartup startup;

    private final String backend;

    private final String namespace;

    private final String component;

    private final boolean cleanupOnShutdown;

    private final KVStoreObservations observations;

    private final PendingWaits pendingWaits;

    private final boolean root;

    private volatile @Nullable KVStore view;

    /**
     * A managed store around a backend store that is already connected.
     * @param delegate the backend store; this object owns it and closes it
     * @param backend a short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param endpoint where the backend is connected, for humans (health details, logs)
     * @param cleanupOnShutdown whether {@link #shutdown()} deletes the namespace's keys
     * @param observations how each operation is observed; {@link KVStoreObservations#none()} for not at all
     */
    public ManagedKVStore(KVStore delegate, String backend, String endpoint, boolean cleanupOnShutdown,
            KVStoreObservations observations) {
        this(KVStoreStartup.started(Objects.requireNonNull(delegate, "delegate"), endpoint), backend,
                delegate.namespace(), delegate.component(), cleanupOnShutdown, observations, true);
    }

    /**
     * A managed store whose backend starts in the context's lifecycle.
     * @param startup starts the backend store; this object owns it and closes the store
     * @param backend a short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param namespace the namespace of the store being started
     * @param component the component of the store being started
     * @param cleanupOnShutdown whether {@link #shutdown()} deletes the namespace's keys
     * @param observations how each operation is observed; {@link KVStoreObservations#none()} for not at all
     */
    public ManagedKVStore(KVStoreStartup startup, String backend, String namespace, String component,
            boolean cleanupOnShutdown, KVStoreObservations observations) {
        this(startup, backend, namespace, component, cleanupOnShutdown, observations, true);
    }

    private ManagedKVStore(KVStoreStartup startup, String backend, String namespace, String component,
            boolean cleanupOnShutdown, KVStoreObservations observations, boolean root) {
        this(startup, backend, namespace, component, cleanupOnShutdown, observations, new PendingWaits(), root);
    }

    private ManagedKVStore(KVStoreStartup startup, String backend, String namespace, String component,
            boolean cleanupOnShutdown, KVStoreObservations observations, PendingWaits pendingWaits, boolean root) {
        this.startup = Objects.requireNonNull(startup, "startup");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.component = Objects.requireNonNull(component, "component");
        this.cleanupOnShutdown = cleanupOnShutdown;
        this.observations = Objects.requireNonNull(observations, "observations");
        this.pendingWaits = pendingWaits;
        this.root = root;
    }

    /**
     * @return the backend store this one delegates to, once started (waiting for it as a quick operation does)
     * @throws dev.kvstore.api.KVStoreException if it did not start in time or failed to start
     */
    public KVStore delegate() {
        return store(this.startup.requestTimeout(), "delegate()");
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

    /** @return the waits and barriers running through this store and its component views right now */
    public PendingWaits pendingWaits() {
        return this.pendingWaits;
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

    /** @return a managed view of another component, observed the same way; closing it does nothing */
    @Override
    public KVStore withComponent(String component) {
        KeyLayout.of(this.namespace, component); // the backend's rule, checked now rather than at the first call
        return new ManagedKVStore(this.startup, this.backend, this.namespace, component, false, this.observations,
                this.pendingWaits, false);
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

    /** The backend store for this view, waiting for it to start as a quick operation does. */
    @Override
    protected KVStore target(String call) {
        return store(this.startup.requestTimeout(), call);
    }

    /** Calls a wait with what is left of its timeout once the store is ready. */
    @Override
    protected <T> T invokeWait(KVStoreOperation operation, Duration timeout, BiFunction<KVStore, Duration, T> call) {
        long start = System.nanoTime();
        KVStore started = store(timeout, operation.tagValue());
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        return call.apply(started, left.isNegative() ? Duration.ZERO : left);
    }

    @Override
    protected <T> T invoke(KVStoreOperation operation, String key, Supplier<T> call) {
        if (!operation.isWaiting()) {
            return observed(operation, key, call);
        }
        try (PendingWaits.Registration registration = this.pendingWaits.start(operation, this.component, key)) {
            return observed(operation, key, call);
        }
    }

    private <T> T observed(KVStoreOperation operation, String key, Supplier<T> call) {
        KVStoreObservationContext context = new KVStoreObservationContext(this.backend, operation, this.namespace,
                this.component, key);
        return this.observations.observe(context, call);
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

}
