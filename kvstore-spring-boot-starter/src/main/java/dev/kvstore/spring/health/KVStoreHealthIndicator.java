package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.internal.Deadline;
import dev.kvstore.spring.ManagedKVStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@link HealthIndicator} of a {@link KVStore}: UP when the store answered its last check, with the backend, endpoint,
 * namespace, component, the round-trip latency and when it was checked (for etcd also the cluster's leader and
 * version); DOWN with the reason otherwise. The check is the same kind of call the application makes, over the same
 * connection (a TCPStore request; an etcd read through the store's own client), so that UP means a call would succeed
 * now, not only that the server is up.
 *
 * <p>A health request answers at once from the state a background check keeps: the store is checked every
 * {@code interval} on a daemon thread of its own, each check bounded by {@code timeout}, so a probe gets its answer
 * well within Kubernetes' default 1 s probe timeout even while the store does not answer. The background check runs
 * while health is asked for: it starts with the first request and stops after {@value #IDLE_SECONDS} s without one.
 * A request that finds no recent check waits for one at most {@link #FIRST_ANSWER}, then answers OUT_OF_SERVICE.
 *
 * <p>While a {@link ManagedKVStore} is still starting the status is OUT_OF_SERVICE (DOWN once its start failed),
 * with what the start is doing. Losing the store is logged once at WARN and its return at INFO. Include the
 * indicator in the readiness group ({@code management.endpoint.health.group.readiness.include=readinessState,kvstore})
 * so that readiness follows the store; never in liveness (a restart does not bring a master back).
 */
public class KVStoreHealthIndicator extends AbstractHealthIndicator {

    /** The timeout of {@link #KVStoreHealthIndicator(KVStore)}: 5 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The interval of {@link #KVStoreHealthIndicator(KVStore)}: 2 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

    /** Longest a health request waits for a check when none is recent (the first request, or after idling). */
    public static final Duration FIRST_ANSWER = Duration.ofMillis(800);

    private static final int IDLE_SECONDS = 60;

    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(IDLE_SECONDS);

    private static final Executor PROBE_EXECUTOR = (task) -> {
        Thread thread = new Thread(task, "kvstore-health-probe");
        thread.setDaemon(true);
        thread.start();
    };

    private final KVStore store;

    private final Duration timeout;

    private final Duration interval;

    private volatile @Nullable KVStoreProbe probe;

    private final StoreAvailabilityLog availabilityLog;

    private final AtomicReference<CompletableFuture<ProbeResult>> inFlight = new AtomicReference<>();

    private volatile @Nullable Check last;

    private volatile long lastAskedNanos;

    private @Nullable Thread checker;

    /** @param store the store to check, with the {@link #DEFAULT_TIMEOUT} and {@link #DEFAULT_INTERVAL} */
    public KVStoreHealthIndicator(KVStore store) {
        this(store, DEFAULT_TIMEOUT, DEFAULT_INTERVAL);
    }

    /**
     * @param store the store to check
     * @param timeout how long a check waits for the store's answer before it counts as DOWN
     * @param interval the pause between two background checks
     */
    public KVStoreHealthIndicator(KVStore store, Duration timeout, Duration interval) {
        super("KVStore health check failed");
        this.store = Objects.requireNonNull(store, "store");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        this.availabilityLog = new StoreAvailabilityLog(() -> describe(store));
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        if (this.store instanceof ManagedKVStore managed) {
            builder.withDetail("backend", managed.backend()).withDetail("endpoint", managed.endpoint());
        } else {
            builder.withDetail("backend", this.store.getClass().getSimpleName());
        }
        builder.withDetail("namespace", this.store.namespace()).withDetail("component", this.store.component());
        if (this.store instanceof ManagedKVStore managed && !managed.startup().isReady()) {
            // Not started yet (or failed to): readiness already refuses traffic, this says why.
            Status status = managed.startup().hasFailed() ? Status.DOWN : Status.OUT_OF_SERVICE;
            builder.status(status).withDetail("startup", managed.startup().progress());
            return;
        }
        Check check = recentCheck();
        if (check == null) {
            builder.outOfService().withDetail("check", "no check of the store has completed yet");
            return;
        }
        builder.withDetail("checkedAt", check.at().toString());
        if (check.failure() != null) {
            builder.down(check.failure());
        } else if (check.result() == null) {
            builder.down().withDetail("error", check.reason());
        } else {
            builder.up().withDetail("latencyMillis", check.result().latencyNanos() / 1_000_000.0)
                .withDetails(check.result().details());
        }
    }

    /** @return the last check if it is recent, else the next one if it comes within {@link #FIRST_ANSWER} */
    private @Nullable Check recentCheck() throws InterruptedException {
        long now = System.nanoTime();
        this.lastAskedNanos = now;
        startChecker();
        long deadline = now + FIRST_ANSWER.toNanos();
        synchronized (this) {
            while (!isRecent(this.last, System.nanoTime())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return this.last;
        }
    }

    /** A check is recent while the next one is not overdue: within an interval and a timeout, with slack. */
    private boolean isRecent(@Nullable Check check, long nowNanos) {
        return check != null && nowNanos - check.atNanos() <= this.interval.toNanos() + this.timeout.toNanos()
                + FIRST_ANSWER.toNanos();
    }

    private synchronized void startChecker() {
        if (this.checker == null) {
            Thread thread = new Thread(this::checkWhileAsked, "kvstore-health");
            thread.setDaemon(true);
            this.checker = thread;
            thread.start();
        }
    }

    private void checkWhileAsked() {
        try {
            while (true) {
                Check check = checkOnce();
                synchronized (this) {
                    this.last = check;
                    notifyAll();
                    if (System.nanoTime() - this.lastAskedNanos > IDLE_NANOS) {
                        this.checker = null; // the next request starts another
                        return;
                    }
                }
                Thread.sleep(this.interval.toMillis());
            }
        } catch (InterruptedException ex) {
            synchronized (this) {
                this.checker = null;
            }
            Thread.currentThread().interrupt();
        }
    }

    /** @return the check's outcome, dated when it was learned (the answer, or the timeout) */
    private Check checkOnce() throws InterruptedException {
        try {
            ProbeResult result = probe().get(Deadline.cappedNanos(this.timeout), TimeUnit.NANOSECONDS);
            this.availabilityLog.available();
            return new Check(Instant.now(), System.nanoTime(), result, null, null);
        } catch (TimeoutException ex) {
            String reason = "no answer within " + this.timeout + " (management.health.kvstore.timeout)";
            this.availabilityLog.lost(reason);
            return new Check(Instant.now(), System.nanoTime(), null, reason, null);
        } catch (ExecutionException ex) {
            Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
            this.availabilityLog.lost(String.valueOf(cause.getMessage()));
            return new Check(Instant.now(), System.nanoTime(), null, String.valueOf(cause.getMessage()),
                    (cause instanceof Exception exception) ? exception : ex);
        }
    }

    /** The round trip on a thread of its own: one that is still running is joined, not started again. */
    private CompletableFuture<ProbeResult> probe() {
        CompletableFuture<ProbeResult> running = this.inFlight.get();
        if (running != null && !running.isDone()) {
            return running;
        }
        CompletableFuture<ProbeResult> started = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            Map<String, Object> details = probeOfStore().roundTrip(this.timeout);
            return new ProbeResult(System.nanoTime() - start, details);
        }, PROBE_EXECUTOR);
        this.inFlight.set(started);
        return started;
    }

    private KVStoreProbe probeOfStore() {
        KVStoreProbe current = this.probe;
        if (current == null) {
            current = KVStoreProbe.forStore(backendOf(this.store));
            this.probe = current;
        }
        return current;
    }

    private static String describe(KVStore store) {
        return (store instanceof ManagedKVStore managed) ? managed.backend() + " " + managed.endpoint()
                : store.getClass().getSimpleName() + " " + store.namespace();
    }

    private static KVStore backendOf(KVStore store) {
        return (store instanceof ManagedKVStore managed) ? managed.delegate() : store;
    }

    private record ProbeResult(long latencyNanos, Map<String, Object> details) {
    }

    /** One background check: its result, or why it failed (with the exception, when there is one). */
    private record Check(Instant at, long atNanos, @Nullable ProbeResult result, @Nullable String reason,
            @Nullable Exception failure) {
    }

}
