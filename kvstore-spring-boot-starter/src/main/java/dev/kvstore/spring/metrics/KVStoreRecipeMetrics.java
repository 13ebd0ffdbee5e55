package dev.kvstore.spring.metrics;

import dev.kvstore.recipes.RecipeGauges;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Gauges of what this process holds through the coordination recipes, over all its stores:
 * <ul>
 * <li>{@value #HELD_LOCKS}: locks held (a re-entrant lock counts once);</li>
 * <li>{@value #LIVE_LEASES}: etcd leases kept alive (one per store that uses locks, ephemeral keys or elections).</li>
 * </ul>
 */
public final class KVStoreRecipeMetrics implements MeterBinder {

    /** Name of the gauge of held locks. */
    public static final String HELD_LOCKS = "kvstore.locks.held";

    /** Name of the gauge of live leases. */
    public static final String LIVE_LEASES = "kvstore.leases.live";

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(HELD_LOCKS, RecipeGauges::heldLocks)
            .description("Locks this process holds through KVStore.lock, LockRegistry or elections")
            .register(registry);
        Gauge.builder(LIVE_LEASES, RecipeGauges::liveLeases)
            .description("etcd leases this process keeps alive for its locks, ephemeral keys and elections")
            .register(registry);
    }

}
