package dev.kvstore.spring;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Deadline;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of a {@link ManagedKVStore}'s backend: connecting and the job's rendezvous run on a thread of their own,
 * started by the application context's lifecycle, so that the context (and its web server and probes) comes up
 * meanwhile. {@link #abort()} (the context stopping) ends a start in progress at any point.
 *
 * <p>Callers wait for the store with a bound of their own ({@link #await(Duration, String)}); what the start is doing
 * is {@link #progress()}.
 */
public final class KVStoreStartup {

    private static final Logger logger = LoggerFactory.getLogger(KVStoreStartup.class);

    /** What a backend does to start its store; runs on the startup thread. */
    public interface Starter {

        /**
         * Connects the store (and, for a TCPStore master, starts its server and waits for the workers).
         * @param startup to report progress to and to register what {@link KVStoreStartup#abort()} must close
         * @return the started store
         * @throws Exception why the store could not start
         */
        KVStore start(KVStoreStartup startup) throws Exception;

        /**
         * @return the request timeout of the store being started, from its own settings: a call made before the store
         *     is ready waits for it at most this long
         */
        Duration requestTimeout();

    }

    private final Starter starter;

    private final CompletableFuture<KVStore> store = new CompletableFuture<>();

    private volatile String endpoint;

    private volatile String progress = "not started";

    private volatile Runnable onAbort = () -> {
    };

    private volatile @Nullable Thread thread;

    private volatile @Nullable KVStore backend;

    private volatile boolean aborted;

    /**
     * @param starter what starts the store
     * @param endpoint where the store connects, for humans, until the starter knows better ({@link #endpoint(String)})
     */
    public KVStoreStartup(Starter starter, String endpoint) {
        this.starter = Objects.requireNonNull(starter, "starter");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /** @return a startup that is already complete with the given store */
    public static KVStoreStartup started(KVStore store, String endpoint) {
        KVStoreStartup startup = new KVStoreStartup(new Starter() {
            @Override
            public KVStore start(KVStoreStartup ignored) {
                return store;
            }

            @Override
            public Duration requestTimeout() {
                return Duration.ZERO; // started: nothing ever waits
            }
        }, endpoint);
        startup.store.complete(store);
        startup.backend = store;
        startup.progress = "ready";
        return startup;
    }

    /** Starts the store on a daemon thread; does nothing if it was begun (or completed) before. */
    public synchronized void begin() {
        if (this.thread != null || this.store.isDone() || this.aborted) {
            return;
        }
        Thread starting = new Thread(this::run, "kvstore-startup");
        starting.setDaemon(true);
        this.thread = starting;
        starting.start();
    }

    private void run() {
        this.progress = "starting";
        try {
            KVStore started = this.starter.start(this);
            if (this.aborted || !this.store.complete(started)) {
                started.close(false);
                return;
            }
            this.progress = "ready";
        } catch (Throwable ex) {
            this.progress = (this.aborted ? "aborted: " : "failed: ") + ex.getMessage();
            if (!this.aborted) {
                // Reported where it is awaited (the startup runner, with a failure analysis); here only at DEBUG.
                logger.debug("KVStore startup failed", ex);
            }
            this.store.completeExceptionally(this.aborted ? new CancellationException("KVStore startup aborted") : ex);
        }
    }

    /**
     * Ends a start in progress: closes what the starter registered ({@link #onAbort(Runnable)}) and interrupts it.
     * Waiters then fail. Does nothing once the store started.
     */
    public void abort() {
        Thread starting;
        synchronized (this) {
            if (this.store.isDone() || this.aborted) {
                return;
            }
            this.aborted = true;
            starting = this.thread;
        }
        this.progress = "aborted";
        try {
            this.onAbort.run();
        } catch (RuntimeException ex) {
            logger.debug("Aborting the KVStore startup failed", ex);
        }
        if (starting != null) {
            starting.interrupt();
        }
        this.store.completeExceptionally(new CancellationException("KVStore startup aborted"));
    }

    /** Called by the starter: what {@link #abort()} runs to unblock it (typically closing the store being started). */
    public void onAbort(Runnable action) {
        this.onAbort = Objects.requireNonNull(action, "action");
        if (this.aborted) {
            action.run();
        }
    }

    /**
     * Runs an action with the started store once it is ready: at once if it is, else on the startup thread when it
     * becomes ready; never if the start fails. A failing action is logged and does not fail the start.
     */
    public void whenReady(Consumer<KVStore> action) {
        Objects.requireNonNull(action, "action");
        this.store.thenAccept((started) -> {
            try {
                action.accept(started);
            } catch (RuntimeException ex) {
                logger.warn("An action on the started KVStore on {} failed", this.endpoint, ex);
            }
        });
    }

    /** Called by the starter: what it is doing now, for health details and messages. */
    public void progress(String progress) {
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Called by the starter once it knows where the store is (e.g. the port a master bound). */
    public void endpoint(String endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * Called by the starter once the backend store exists and can describe itself, before it is ready: a TCPStore
     * master as soon as its server listens, so that what the rendezvous waits for can be shown meanwhile.
     */
    public void backend(KVStore store) {
        this.backend = Objects.requireNonNull(store, "store");
    }

    /**
     * @return the backend store as soon as the starter named it ({@link #backend(KVStore)}), even before it is ready:
     *     only to describe its state (e.g. an embedded master's registrations and clients), not to use it; empty
     *     before
     */
    public Optional<KVStore> backend() {
        return Optional.ofNullable(this.backend);
    }

    /** @return where the store is connected, e.g. {@code 127.0.0.1:29500 (master)} */
    public String endpoint() {
        return this.endpoint;
    }

    /** @return what the start does now, e.g. "waiting for 2 processes to register", or "ready" */
    public String progress() {
        return this.progress;
    }

    /** @return whether {@link #begin()} ran (or the store was started elsewhere) */
    public boolean isBegun() {
        return this.thread != null || this.store.isDone();
    }

    /** @return whether the store started and can be used */
    public boolean isReady() {
        return this.store.isDone() && !this.store.isCompletedExceptionally();
    }

    /** @return whether the start failed or was aborted */
    public boolean hasFailed() {
        return this.store.isCompletedExceptionally();
    }

    /** @return whether the start was aborted (the context stopped before the store was ready) */
    public boolean isAborted() {
        return this.aborted;
    }

    /** @return how long a call made before the store is ready waits for it: the store's request timeout */
    public Duration requestTimeout() {
        return this.starter.requestTimeout();
    }

    /**
     * Waits until the store started.
     * @param timeout how long to wait
     * @param operation what waits, for the message
     * @return the started store
     * @throws KVStoreTimeoutException if it did not start within the timeout (the message says what it still does)
     * @throws KVStoreException if it failed to start
     * @throws IllegalStateException if its start was aborted (the context stopped)
     */
    public KVStore await(Duration timeout, String operation) {
        try {
            if (this.store.isDone()) {
                return this.store.getNow(null);
            }
            return this.store.get(Deadline.cappedNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            throw new KVStoreTimeoutException(operation + " timed out after " + timeout + ": the KVStore on "
                    + this.endpoint + " is not ready yet (" + this.progress + ")");
        } catch (ExecutionException | CancellationException | CompletionException ex) {
            throw failure(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted while waiting for the KVStore on " + this.endpoint
                    + " to start", ex);
        }
    }

    /**
     * Waits until the start completes, however long the start's own bounds (connect and worker wait timeouts) take.
     * @return the started store, or {@code null} if the start was aborted
     * @throws Exception why the store failed to start, as the starter threw it
     */
    @Nullable KVStore awaitCompletion() throws Exception {
        try {
            return this.store.get();
        } catch (CancellationException ex) {
            return null;
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof CancellationException) {
                return null;
            }
            throw (ex.getCause() instanceof Exception cause) ? cause : ex;
        }
    }

    private RuntimeException failure(Exception ex) {
        Throwable cause = (ex instanceof ExecutionException || ex instanceof CompletionException) ? ex.getCause() : ex;
        if (cause instanceof CancellationException || this.aborted) {
            return new IllegalStateException("KVStore on " + this.endpoint + " is closed: the application stopped "
                    + "before it was ready");
        }
        return new KVStoreException("the KVStore on " + this.endpoint + " failed to start: " + cause.getMessage(),
                cause);
    }

}
