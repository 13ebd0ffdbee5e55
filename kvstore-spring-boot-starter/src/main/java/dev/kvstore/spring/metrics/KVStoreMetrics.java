package dev.kvstore.spring.metrics;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.spring.KVStoreOperation;
import dev.kvstore.spring.KVStoreOperationObserver;
import dev.kvstore.spring.ManagedKVStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records the operations of {@link ManagedKVStore}s in Micrometer:
 * <ul>
 * <li>{@value #OPERATIONS}: timer of the single operations (set, get, exists, delete, add, compareAndSet);</li>
 * <li>{@value #WAITS}: timer of the blocking operations (waitForKey, waitForValue, waitForKeys, barrier), kept apart
 * so that long waits do not drown the latency of single operations;</li>
 * <li>{@value #TIMEOUTS}: counter of waits and operations that ended in a {@link KVStoreTimeoutException}.</li>
 * </ul>
 * Tags: {@code backend} ({@code tcp}, {@code etcd}), {@code operation} (the Java method name), and on the timers
 * {@code outcome} ({@code success}, {@code timeout}, {@code error}).
 *
 * @deprecated no longer auto-configured: every operation is an Observation ({@link dev.kvstore.spring.KVStoreObservations}),
 *     which Micrometer's meter handler records as the timers {@value #OPERATIONS} and {@value #WAITS} with the same
 *     tags plus {@code exception}; the counter {@value #TIMEOUTS} is replaced by the count of those timers with
 *     {@code outcome=timeout}
 */
@Deprecated(since = "0.1.0")
@SuppressWarnings("deprecation")
public class KVStoreMetrics implements KVStoreOperationObserver {

    /** Name of the timer of single operations. */
    public static final String OPERATIONS = "kvstore.operations";

    /** Name of the timer of waits and barriers. */
    public static final String WAITS = "kvstore.waits";

    /** Name of the counter of timeouts. */
    public static final String TIMEOUTS = "kvstore.timeouts";

    private final MeterRegistry registry;

    private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();

    private final Map<MeterKey, Counter> timeoutCounters = new ConcurrentHashMap<>();

    /** @param registry where the meters are registered */
    public KVStoreMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void operationCompleted(ManagedKVStore store, KVStoreOperation operation, long durationNanos,
            @Nullable Throwable failure) {
        String outcome = (failure == null) ? "success"
                : (failure instanceof KVStoreTimeoutException) ? "timeout" : "error";
        MeterKey key = new MeterKey(store.backend(), operation, outcome);
        this.timers.computeIfAbsent(key, this::timer).record(durationNanos, TimeUnit.NANOSECONDS);
        if (failure instanceof KVStoreTimeoutException) {
            this.timeoutCounters.computeIfAbsent(key, this::timeoutCounter).increment();
        }
    }

    private Timer timer(MeterKey key) {
        return Timer.builder(key.operation().isWaiting() ? WAITS : OPERATIONS)
            .description(key.operation().isWaiting() ? "Waits and barriers of the KVStore"
                    : "Single operations of the KVStore")
            .tag("backend", key.backend())
            .tag("operation", key.operation().tagValue())
            .tag("outcome", key.outcome())
            .register(this.registry);
    }

    private Counter timeoutCounter(MeterKey key) {
        return Counter.builder(TIMEOUTS)
            .description("KVStore waits and operations that timed out")
            .tag("backend", key.backend())
            .tag("operation", key.operation().tagValue())
            .register(this.registry);
    }

    private record MeterKey(String backend, KVStoreOperation operation, String outcome) {
    }

}
