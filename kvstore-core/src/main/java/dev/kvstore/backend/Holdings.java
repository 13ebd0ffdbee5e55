package dev.kvstore.backend;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this process holds right now, over all its stores: the locks its {@link ThreadReentrantLock}s hold and the
 * leases the etcd backend keeps alive. Written by them; read through {@code dev.kvstore.recipes.RecipeGauges}, the
 * API that metrics and introspection use.
 */
public final class Holdings {

    private static final AtomicInteger HELD_LOCKS = new AtomicInteger();
    private static final AtomicInteger LIVE_LEASES = new AtomicInteger();
    private static final Map<Object, HeldLock> HELD = new ConcurrentHashMap<>();

    /**
     * A lock this process holds.
     *
     * @param name the lock's name (relative to the component of the store it was asked of)
     * @param thread the holding thread's name
     * @param since when it was acquired
     * @param sinceNanos when it was acquired, by {@link System#nanoTime()}: the order of holds
     * @param fencingToken the hold's fencing token
     */
    public record HeldLock(String name, String thread, Instant since, long sinceNanos, long fencingToken) {
    }

    private Holdings() {
    }

    /** @return locks this process holds (a re-entrant lock counts once) */
    public static int heldLocks() {
        return HELD_LOCKS.get();
    }

    /** @return leases this process keeps alive */
    public static int liveLeases() {
        return LIVE_LEASES.get();
    }

    /**
     * @param limit the most locks to return
     * @return the locks this process holds, longest held first
     */
    public static List<HeldLock> locks(int limit) {
        return HELD.values().stream().sorted(Comparator.comparingLong(HeldLock::sinceNanos)).limit(limit).toList();
    }

    /** A lease was granted (the etcd backend calls it). */
    public static void leaseGranted() {
        LIVE_LEASES.incrementAndGet();
    }

    /** A lease was lost or revoked (the etcd backend calls it once per granted lease). */
    public static void leaseEnded() {
        LIVE_LEASES.decrementAndGet();
    }

    /** @param lock the lock object, the identity of the hold until {@link #lockReleased(Object)} */
    static void lockAcquired(Object lock, String name, long fencingToken) {
        HELD.put(lock, new HeldLock(name, Thread.currentThread().getName(), Instant.now(), System.nanoTime(),
                fencingToken));
        HELD_LOCKS.incrementAndGet();
    }

    static void lockReleased(Object lock) {
        HELD.remove(lock);
        HELD_LOCKS.decrementAndGet();
    }
}
