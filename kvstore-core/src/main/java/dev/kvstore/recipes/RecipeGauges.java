package dev.kvstore.recipes;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this process holds through the recipes right now, over all its stores: for metrics (the starter exposes them
 * as gauges) and introspection.
 */
public final class RecipeGauges {

    private static final AtomicInteger HELD_LOCKS = new AtomicInteger();
    private static final AtomicInteger LIVE_LEASES = new AtomicInteger();
    private static final Map<Object, Held> HELD = new ConcurrentHashMap<>();

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

    private record Held(String name, String thread, Instant since, long sinceNanos, long fencingToken) {
    }

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

    /**
     * @param limit the most locks to return
     * @return the locks this process holds, longest held first, for introspection
     */
    public static List<HeldLock> locks(int limit) {
        return HELD.values().stream()
                .sorted(Comparator.comparingLong(Held::sinceNanos))
                .limit(limit)
                .map(held -> new HeldLock(held.name(), held.thread(), held.since(), held.fencingToken()))
                .toList();
    }

    /** @param lock the lock object, the identity of the hold until {@link #lockReleased(Object)} */
    static void lockAcquired(Object lock, String name, long fencingToken) {
        HELD.put(lock, new Held(name, Thread.currentThread().getName(), Instant.now(), System.nanoTime(),
                fencingToken));
        HELD_LOCKS.incrementAndGet();
    }

    static void lockReleased(Object lock) {
        HELD.remove(lock);
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
