package dev.kvstore.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link KVStoreOperation}s as {@link Observation}s ({@link KVStoreObservationDocumentation#OPERATION}): with
 * Micrometer's meter handler each becomes a timer sample and, while it runs, a long-task timer sample
 * ({@code kvstore.waits.active} shows the waits in progress); with a tracer, a span.
 */
public final class KVStoreObservations {

    private static final KVStoreObservations NONE = new KVStoreObservations(ObservationRegistry.NOOP, null);

    private final ObservationRegistry registry;

    private final @Nullable KVStoreObservationConvention customConvention;

    /**
     * @param registry where the observations are made
     * @param customConvention replaces {@link DefaultKVStoreObservationConvention} for every operation (so its one
     *     name applies to single operations and waits alike); {@code null} for the default
     */
    public KVStoreObservations(ObservationRegistry registry,
            @Nullable KVStoreObservationConvention customConvention) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.customConvention = customConvention;
    }

    /** @return observations that observe nothing (a no-op registry) */
    public static KVStoreObservations none() {
        return NONE;
    }

    /** @return whether observations are made at all */
    public boolean isEnabled() {
        return !this.registry.isNoop();
    }

    /**
     * Runs the call as an observation of the operation: started before, error recorded, stopped after.
     * @return what the call returned
     */
    public <T> T observe(KVStoreObservationContext context, Supplier<T> call) {
        if (!isEnabled()) {
            return call.get();
        }
        Observation observation = KVStoreObservationDocumentation.OPERATION
            .observation(this.customConvention, DefaultKVStoreObservationConvention.forOperation(context.getOperation()), () -> context,
                    this.registry)
            .start();
        try (Observation.Scope scope = observation.openScope()) {
            T result = call.get();
            context.setCompleted();
            return result;
        }
        catch (RuntimeException | Error ex) {
            context.setCompleted();
            observation.error(ex);
            throw ex;
        }
        finally {
            observation.stop();
        }
    }

}
