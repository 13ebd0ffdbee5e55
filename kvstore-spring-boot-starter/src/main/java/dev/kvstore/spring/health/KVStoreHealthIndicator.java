package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.internal.Deadline;
import dev.kvstore.spring.ManagedKVStore;
import java.time.Duration;
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
 * {@link HealthIndicator} of a {@link KVStore}: UP when the store answers a round trip within the timeout, with
 * the backend, endpoint, namespace, component and the round-trip latency (for etcd also the cluster's leader and
 * version); DOWN with the reason otherwise.
 *
 * <p>While a {@link ManagedKVStore} is still starting the status is OUT_OF_SERVICE (DOWN once its start failed),
 * with what the start is doing. Losing the store is logged once at WARN and its return at INFO. Include the
 * indicator in the readiness group ({@code management.endpoint.health.group.readiness.include=readinessState,kvstore})
 * so that readiness follows the store; never in liveness (a restart does not bring a master back).
 *
 * <p>Spring Boot never times out a health check, so this indicator bounds its own: the round trip runs on a separate
 * daemon thread and the check reports DOWN when it has not answered within the timeout. A round trip that is still
 * running is joined by the next check rather than started again, so a hanging store does not pile up threads.
 */
public class KVStoreHealthIndicator extends AbstractHealthIndicator {

    /** The timeout of {@link #KVStoreHealthIndicator(KVStore)}: 5 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Executor PROBE_EXECUTOR = (task) -> {
        Thread thread = new Thread(task, "kvstore-health");
        thread.setDaemon(true);
        thread.start();
    };

    private final KVStore store;

    private final Duration timeout;

    private volatile @Nullable KVStoreProbe probe;

    private final StoreAvailabilityLog availabilityLog;

    private final AtomicReference<CompletableFuture<ProbeResult>> inFlight = new AtomicReference<>();

    /** @param store the store to check, with the {@link #DEFAULT_TIMEOUT} */
    public KVStoreHealthIndicator(KVStore store) {
        this(store, DEFAULT_TIMEOUT);
    }

    /**
     * @param store the store to check
     * @param timeout how long a check waits for the store's answer before reporting DOWN
     */
    public KVStoreHealthIndicator(KVStore store, Duration timeout) {
        super("KVStore health check failed");
        this.store = Objects.requireNonNull(store, "store");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
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
        ProbeResult result;
        try {
            result = probe().get(Deadline.cappedNanos(this.timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            String reason = "no answer within " + this.timeout + " (management.health.kvstore.timeout)";
            this.availabilityLog.lost(reason);
            builder.down().withDetail("error", reason);
            return;
        } catch (ExecutionException ex) {
            Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
            this.availabilityLog.lost(String.valueOf(cause.getMessage()));
            throw (cause instanceof Exception exception) ? exception : ex;
        }
        this.availabilityLog.available();
        builder.up().withDetail("latencyMillis", result.latencyNanos() / 1_000_000.0).withDetails(result.details());
    }

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

}
