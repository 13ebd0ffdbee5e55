package dev.kvstore.spring;

import org.jspecify.annotations.Nullable;

/**
 * Told about every completed operation of a {@link ManagedKVStore}, for example to record metrics. Called on the
 * thread that ran the operation, so implementations must be fast and thread-safe; exceptions they throw are logged
 * and otherwise ignored.
 *
 * @deprecated every operation is a Micrometer {@link io.micrometer.observation.Observation} now
 *     ({@link KVStoreObservations}): register an {@link io.micrometer.observation.ObservationHandler} of
 *     {@link KVStoreObservationContext} instead; observer beans are still told until this interface is removed
 */
@Deprecated(since = "0.1.0")
@FunctionalInterface
public interface KVStoreOperationObserver {

    /**
     * @param store the store (or component view) that ran the operation
     * @param operation what ran
     * @param durationNanos how long it took
     * @param failure what it threw, or {@code null} if it succeeded
     */
    void operationCompleted(ManagedKVStore store, KVStoreOperation operation, long durationNanos,
            @Nullable Throwable failure);

}
