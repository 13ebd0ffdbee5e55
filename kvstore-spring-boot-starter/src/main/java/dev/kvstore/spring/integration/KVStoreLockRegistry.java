package dev.kvstore.spring.integration;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.Locks;
import dev.kvstore.recipes.CompareAndSetLock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.jspecify.annotations.Nullable;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * Spring Integration's {@link LockRegistry} backed by a {@link KVStore}: {@link #obtain(Object)} returns a
 * {@link Lock} over the store's {@link Locks} (or, for a store without them, the compare-and-set lock that works on
 * any store), so {@code LockRegistryLeaderInitiator}, the aggregator and the other lock-based components coordinate
 * through etcd or TCPStore.
 *
 * <p>The locks are re-entrant per thread; {@link Lock#unlock()} by a thread that does not hold the lock throws
 * {@link IllegalMonitorStateException}, and unlocking a lock that was lost in the store meanwhile (etcd: its lease
 * expired) releases it and throws {@link IllegalStateException}, as Spring Integration's own registries do.
 * {@link Lock#newCondition()} is not supported.
 *
 * <p>Beyond {@link LockRegistry}, as Spring Integration's distributed registries: {@link #expireUnusedOlderThan(long)}
 * forgets the locks this process has not used for a while (their keys in the store are gone once unlocked), and
 * {@link #renewLock(Object)} checks that the calling thread still holds a lock in the store. There is nothing to
 * extend per lock: on etcd every lock lives under the store's lease, which the store keeps alive for as long as it
 * reaches etcd; a TCPStore (compare-and-set) lock has no time limit and is held until unlocked.
 */
public final class KVStoreLockRegistry implements ExpirableLockRegistry<Lock>, RenewableLockRegistry<Lock> {

    /** What {@link Lock#lock()} waits for at most per attempt; it then tries again, until it gets the lock. */
    static final Duration LOCK_ATTEMPT = Duration.ofMinutes(1);

    private final KVStore store;
    private final Map<String, StoreLock> locks = new ConcurrentHashMap<>();

    /** @param store the store (or component view) whose namespace and component hold the locks */
    public KVStoreLockRegistry(KVStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * @param lockKey the lock's name: a non-empty {@link String}
     * @return the lock of that name; the same instance for the same name
     */
    @Override
    public Lock obtain(Object lockKey) {
        return locks.computeIfAbsent(requireName(lockKey), StoreLock::new);
    }

    /**
     * Forgets the locks that no thread of this process holds and that were last locked or unlocked more than
     * {@code age} milliseconds ago, so a registry used with many lock keys does not grow without bound. A forgotten
     * lock is obtained anew on the next {@link #obtain(Object)}; its keys in the store are gone already (unlocking
     * deletes them), so expiry changes nothing in the store.
     *
     * @param age milliseconds since the last use
     */
    @Override
    public void expireUnusedOlderThan(long age) {
        long now = System.nanoTime();
        long ageNanos = TimeUnit.MILLISECONDS.toNanos(age);
        for (Iterator<StoreLock> it = locks.values().iterator(); it.hasNext(); ) {
            StoreLock lock = it.next();
            if (lock.unusedSince(now, ageNanos)) {
                it.remove();
            }
        }
    }

    /**
     * Checks that the calling thread holds the lock and that the store still knows it as the holder (TCPStore: its
     * owner key still carries this holder's token; etcd: its lease is alive). Nothing else is to be done: on etcd
     * the store's lease keep-alive renews every lock at once, and a TCPStore lock does not expire.
     *
     * @throws IllegalStateException if the calling thread does not hold the lock, or the store lost it (etcd: lease
     *     expired; TCPStore: its owner key was deleted or overwritten)
     */
    @Override
    public void renewLock(Object lockKey) {
        StoreLock lock = locks.get(requireName(lockKey));
        KVLock.Hold hold = lock == null ? null : lock.holds.get().peek();
        if (hold == null) {
            if (lock != null) {
                lock.holds.remove();
            }
            throw new IllegalStateException("lock '" + lockKey + "' is not held by this thread, so it cannot be "
                    + "renewed");
        }
        if (!hold.isValid()) {
            throw new IllegalStateException("lock '" + lockKey + "' was lost in the store (its lease expired, or "
                    + "its key was deleted): it cannot be renewed");
        }
    }

    /**
     * Not supported: KVStore locks have no time-to-live of their own to set. On etcd a lock lives under the store's
     * lease (one TTL for all of the store's keys, kept alive by the store); a TCPStore compare-and-set lock is held
     * until unlocked. Use {@link #renewLock(Object)} to check that a lock is still held.
     *
     * @throws UnsupportedOperationException always, saying why
     */
    @Override
    public void renewLock(Object lockKey, Duration timeToLive) {
        throw new UnsupportedOperationException("KVStore locks have no time-to-live of their own, so lock '" + lockKey
                + "' cannot be renewed for " + timeToLive + ": on etcd every lock lives under the store's lease, kept "
                + "alive by the store; a TCPStore lock is held until unlocked. renewLock(key) checks that it is held");
    }

    @Override
    public String toString() {
        return "KVStoreLockRegistry[" + store + "]";
    }

    private static String requireName(Object lockKey) {
        if (!(lockKey instanceof String name) || name.isEmpty()) {
            throw new IllegalArgumentException("lock keys of a KVStoreLockRegistry must be non-empty Strings, got "
                    + lockKey);
        }
        return name;
    }

    /**
     * A {@link Lock} over a {@link KVLock}; the holds of the holding thread are stacked until unlocked. The
     * {@link KVLock} is looked up at the first attempt to lock, not by {@link #obtain(Object)}: the store may still be
     * starting when a component obtains its lock (Spring Integration's leader initiator does so in its start).
     */
    private final class StoreLock implements Lock {

        private final String name;
        private volatile @Nullable KVLock lock;
        private final ThreadLocal<Deque<KVLock.Hold>> holds = ThreadLocal.withInitial(ArrayDeque::new);
        /** Holds of all threads of this process; a lock with holds is never expired. */
        private final AtomicInteger held = new AtomicInteger();
        private volatile long lastUsed = System.nanoTime();

        StoreLock(String name) {
            this.name = name;
        }

        private KVLock kvLock() {
            KVLock kvLock = this.lock;
            if (kvLock == null) {
                synchronized (this) { // one KVLock per StoreLock: re-entrancy is counted on it
                    kvLock = this.lock;
                    if (kvLock == null) {
                        kvLock = store.capability(Locks.class).orElseGet(() -> CompareAndSetLock.locks(store))
                            .lock(name);
                        this.lock = kvLock;
                    }
                }
            }
            return kvLock;
        }

        boolean unusedSince(long now, long ageNanos) {
            return held.get() == 0 && now - lastUsed > ageNanos;
        }

        private void push(KVLock.Hold hold) {
            held.incrementAndGet();
            lastUsed = System.nanoTime();
            holds.get().push(hold);
        }

        @Override
        public void lock() {
            Optional<KVLock.Hold> hold = Optional.empty();
            while (hold.isEmpty()) {
                hold = kvLock().tryAcquire(LOCK_ATTEMPT); // an interrupt fails the wait with a KVStoreException
            }
            push(hold.get());
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            while (!tryLock(LOCK_ATTEMPT.toMillis(), TimeUnit.MILLISECONDS)) {
                // keep trying until acquired or interrupted
            }
        }

        @Override
        public boolean tryLock() {
            Optional<KVLock.Hold> hold = kvLock().tryAcquire(Duration.ZERO);
            hold.ifPresent(this::push);
            return hold.isPresent();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted before acquiring lock '" + name + "'");
            }
            Optional<KVLock.Hold> hold;
            try {
                hold = kvLock().tryAcquire(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
            } catch (KVStoreException e) {
                if (Thread.interrupted()) {
                    InterruptedException interrupted =
                            new InterruptedException("interrupted while acquiring lock '" + name + "'");
                    interrupted.initCause(e);
                    throw interrupted;
                }
                throw e;
            }
            hold.ifPresent(this::push);
            return hold.isPresent();
        }

        @Override
        public void unlock() {
            Deque<KVLock.Hold> mine = holds.get();
            KVLock.Hold hold = mine.poll();
            if (mine.isEmpty()) {
                holds.remove();
            }
            if (hold == null) {
                throw new IllegalMonitorStateException("lock '" + name + "' is not held by this thread");
            }
            held.decrementAndGet();
            lastUsed = System.nanoTime();
            boolean valid = hold.isValid();
            hold.close();
            if (!valid) {
                throw new IllegalStateException("lock '" + name + "' was lost in the store before it was "
                        + "unlocked (its lease expired, or its key was deleted)");
            }
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("KVStore locks have no conditions");
        }

        @Override
        public String toString() {
            KVLock kvLock = this.lock;
            return kvLock == null ? "KVStoreLock[" + name + ", not used yet]" : kvLock.toString();
        }
    }
}
