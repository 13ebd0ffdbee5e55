package dev.kvstore.backend;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Deadline;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link KVLock} made of a local re-entrant lock, which orders the threads of this process, and a {@link Remote}
 * lock, which orders the processes: only the first acquisition of the holding thread goes to the store, only its last
 * release does. So a store call is made once per holder, however often it re-enters. The locks of every backend are
 * these: the etcd backend's over its lease-held lock, TCPStore's (and any store's) over a compare-and-set lock.
 */
public final class ThreadReentrantLock implements KVLock {

    /** The store side of a lock, used by one thread at a time (the local lock's holder). */
    public interface Remote {

        /**
         * Acquires the lock for this process.
         *
         * @return the fencing token of the new hold
         * @throws KVStoreTimeoutException if the lock was not acquired within the timeout (it must then not be held)
         */
        long acquire(Duration timeout);

        /** Releases the lock this process holds. */
        void release();

        /** @return whether the hold with this token is still in force (e.g. its lease not lost) */
        boolean isValid(long fencingToken);
    }

    private final String name;
    private final Remote remote;
    private final ReentrantLock local = new ReentrantLock();
    /** The token of the current holder; written and read under {@link #local}. */
    private long token;

    /**
     * @param name the lock's name, for messages and {@link Holdings}
     * @param remote the lock of the processes, used only by the holder of the local lock
     */
    public ThreadReentrantLock(String name, Remote remote) {
        this.name = Objects.requireNonNull(name, "name");
        this.remote = Objects.requireNonNull(remote, "remote");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Hold acquire(Duration timeout) {
        requireTimeout(timeout);
        Deadline deadline = Deadline.after(timeout);
        try {
            if (!local.tryLock(Deadline.cappedNanos(timeout), TimeUnit.NANOSECONDS)) {
                throw new KVStoreTimeoutException("lock '" + name + "' was not acquired within " + timeout
                        + ": another thread of this process held it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted while acquiring lock '" + name + "'", e);
        }
        if (local.getHoldCount() == 1) {
            try {
                token = remote.acquire(deadline.left());
                Holdings.lockAcquired(this, name, token);
            } catch (RuntimeException | Error e) {
                local.unlock();
                throw e;
            }
        }
        return new LocalHold(token);
    }

    @Override
    public Optional<Hold> tryAcquire(Duration timeout) {
        try {
            return Optional.of(acquire(timeout));
        } catch (KVStoreTimeoutException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread() && remote.isValid(token);
    }

    @Override
    public String toString() {
        return "lock '" + name + "'" + (local.isLocked() ? " (held in this process)" : "");
    }

    private static void requireTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
    }

    /** One acquisition; closing it releases one hold count, the last one releases the store's lock. */
    private final class LocalHold implements Hold {

        private final long fencingToken;
        private final AtomicBoolean closed = new AtomicBoolean();

        LocalHold(long fencingToken) {
            this.fencingToken = fencingToken;
        }

        @Override
        public long fencingToken() {
            return fencingToken;
        }

        @Override
        public boolean isValid() {
            return !closed.get() && remote.isValid(fencingToken);
        }

        @Override
        public void close() {
            if (!local.isHeldByCurrentThread()) {
                if (closed.get()) {
                    return;
                }
                throw new IllegalMonitorStateException("lock '" + name + "' is released by a thread that does not "
                        + "hold it; close a hold in the thread that acquired it");
            }
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                if (local.getHoldCount() == 1) {
                    Holdings.lockReleased(ThreadReentrantLock.this);
                    remote.release();
                }
            } finally {
                local.unlock();
            }
        }

        @Override
        public String toString() {
            return "hold of lock '" + name + "' (fencing token " + fencingToken + (closed.get() ? ", released)" : ")");
        }
    }
}
