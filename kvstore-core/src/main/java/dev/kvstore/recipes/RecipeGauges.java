package dev.kvstore.recipes;

import dev.kvstore.backend.Holdings;
import java.time.Instant;
import java.util.List;

/**
 * What this process holds through the recipes right now, over all its stores: for metrics (the starter exposes them
 * as gauges) and introspection.
 */
public final class RecipeGauges {

    /**
     * A lock this process holds.
     *
     * @param name the lock's name (relative to the component of the store it was asked of)
     * @param thread the holding thread's name
     * @param since when it was acquired
     * @param fencingToken the hold's fencing token
     */
    public record HeldLock(String name, String thread, Instant since, long fencingToken) {
    }

    private RecipeGauges() {
    }

    /** @return locks this process holds (a re-entrant lock counts once) */
    public static int heldLocks() {
        return Holdings.heldLocks();
    }

    /** @return leases this process keeps alive (etcd: at most one per store) */
    public static int liveLeases() {
        return Holdings.liveLeases();
    }

    /**
     * @param limit the most locks to return
     * @return the locks this process holds, longest held first, for introspection
     */
    public static List<HeldLock> locks(int limit) {
        return Holdings.locks(limit).stream()
                .map(held -> new HeldLock(held.name(), held.thread(), held.since(), held.fencingToken()))
                .toList();
    }
}
