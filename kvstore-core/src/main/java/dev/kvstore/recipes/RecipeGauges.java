package dev.kvstore.recipes;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this process holds through the recipes right now, over all its stores: for metrics (the starter exposes them
 * as gauges) and introspection.
 */
public final class RecipeGauges {

    private static final AtomicInteger HELD_LOCKS = new AtomicInteger();
    private static final AtomicInteger LIVE_LEASES = new AtomicInteger();

    private RecipeGauges() {
    }

    /** @return locks this process holds (a re-entrant lock counts once) */
    public static int heldLocks() {
        return HELD_LOCKS.get();
    }

    /** @return leases this process keeps alive (etcd: at most one per store) */
    public static int liveLeases() {
        return LIVE_LEASES.get();
    }

    static void lockAcquired() {
        HELD_LOCKS.incrementAndGet();
    }

    static void lockReleased() {
        HELD_LOCKS.decrementAndGet();
    }

    /** A lease was granted (backends call it). */
    public static void leaseGranted() {
        LIVE_LEASES.incrementAndGet();
    }

    /** A lease was lost or revoked (backends call it once per granted lease). */
    public static void leaseEnded() {
        LIVE_LEASES.decrementAndGet();
    }
}
