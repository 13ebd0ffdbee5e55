package dev.kvstore.spring.integration;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.Locks;
import dev.kvstore.recipes.CompareAndSetLock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.support.locks.LockRegistry;

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
 */
public final class KVStoreLockRegistry implements LockRegistry<Lock> {

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
        if (!(lockKey instanceof String name) || name.isEmpty()) {
            throw new IllegalArgumentException("lock keys of a KVStoreLockRegistry must be non-empty Strings, got "
                    + lockKey);
        }
        return locks.computeIfAbsent(name, n -> new StoreLock(store.capability(Locks.class)
                .orElseGet(() -> CompareAndSetLock.locks(store)).lock(n)));
    }

    @Override
    public String toString() {
        return "KVStoreLockRegistry[" + store + "]";
    }

    /** A {@link Lock} over a {@link KVLock}; the holds of the holding thread are stacked until unlocked. */
    private static final class StoreLock implements Lock {

        private final KVLock lock;
        private final ThreadLocal<Deque<KVLock.Hold>> holds = ThreadLocal.withInitial(ArrayDeque::new);

        StoreLock(KVLock lock) {
            this.lock = lock;
        }

        @Override
        public void lock() {
            Optional<KVLock.Hold> hold = Optional.empty();
            while (hold.isEmpty()) {
                hold = lock.tryAcquire(LOCK_ATTEMPT); // an interrupt fails the wait with a KVStoreException
            }
            holds.get().push(hold.get());
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            while (!tryLock(LOCK_ATTEMPT.toMillis(), TimeUnit.MILLISECONDS)) {
                // keep trying until acquired or interrupted
            }
        }

        @Override
        public boolean tryLock() {
            Optional<KVLock.Hold> hold = lock.tryAcquire(Duration.ZERO);
            hold.ifPresent(h -> holds.get().push(h));
            return hold.isPresent();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted before acquiring lock '" + lock.name() + "'");
            }
            Optional<KVLock.Hold> hold;
            try {
                hold = lock.tryAcquire(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
            } catch (KVStoreException e) {
                if (Thread.interrupted()) {
                    InterruptedException interrupted =
                            new InterruptedException("interrupted while acquiring lock '" + lock.name() + "'");
                    interrupted.initCause(e);
                    throw interrupted;
                }
                throw e;
            }
            hold.ifPresent(h -> holds.get().push(h));
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
                throw new IllegalMonitorStateException("lock '" + lock.name() + "' is not held by this thread");
            }
            boolean valid = hold.isValid();
            hold.close();
            if (!valid) {
                throw new IllegalStateException("lock '" + lock.name() + "' was lost in the store before it was "
                        + "unlocked (its lease expired, or its key was deleted)");
            }
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("KVStore locks have no conditions");
        }

        @Override
        public String toString() {
            return lock.toString();
        }
    }
}
