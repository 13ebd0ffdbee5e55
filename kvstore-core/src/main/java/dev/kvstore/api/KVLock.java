package dev.kvstore.api;

import java.time.Duration;
import java.util.Optional;

/**
 * A named lock shared by every process that uses the same store, namespace and component: at most one thread of one
 * process holds it at a time. Obtain it from the store's {@link Locks}: {@code store.capability(Locks.class)}.
 *
 * <p>Re-entrant per thread: the holding thread may acquire it again, and releases it when every hold is closed.
 * Other threads of the same process wait as they would for any other process.
 *
 * <pre>{@code
 * KVLock lock = store.capability(Locks.class).orElseThrow().lock("checkpoint-writer");
 * try (KVLock.Hold hold = lock.acquire(Duration.ofSeconds(30))) {
 *     storage.write(checkpoint, hold.fencingToken());   // the storage rejects tokens older than the newest it saw
 * }
 * }</pre>
 *
 * <p>On etcd the lock is held under the store's lease: a holder that dies frees it within the lease TTL, and a
 * holder that loses its lease (cut off from etcd longer than the TTL) loses the lock; {@link Hold#isValid()} says so.
 * On TCPStore it is a compare-and-set of an owner token: a holder that dies keeps it until someone deletes the key
 * (see {@code docs/recipes.md}); use it only where that is acceptable.
 */
public interface KVLock {

    /** @return the name of the lock */
    String name();

    /**
     * Acquires the lock, waiting up to the timeout.
     *
     * @return the hold: close it to release (once per acquisition)
     * @throws KVStoreTimeoutException if the lock was not acquired within the timeout, naming its holder if known
     */
    Hold acquire(Duration timeout);

    /**
     * Acquires the lock if that is possible within the timeout ({@link Duration#ZERO}: try once).
     *
     * @return the hold, or empty if another holder kept the lock for the whole timeout
     */
    Optional<Hold> tryAcquire(Duration timeout);

    /** @return whether the current thread holds the lock (and, on etcd, its lease is not known to be lost) */
    boolean isHeldByCurrentThread();

    /** One acquisition of a {@link KVLock}; closing it releases that acquisition. */
    interface Hold extends AutoCloseable {

        /**
         * @return a number that grows with every new holder of the lock (on etcd: the revision that created the
         *     holder's key), for guarding writes to external systems against a holder that lost the lock without
         *     knowing it. Re-entrant acquisitions by the holding thread share the token.
         */
        long fencingToken();

        /** @return whether the lock is still held: {@code false} after release, or once its lease is lost (etcd) */
        boolean isValid();

        /**
         * Releases this acquisition; the lock is freed when the holding thread closed all of its holds. Idempotent.
         * Must be called by the thread that acquired it.
         */
        @Override
        void close();
    }
}
