package dev.kvstore.api;

import java.util.OptionalLong;

/**
 * A campaign for the leadership of a name, started by {@link Locks#elect(String, Listener)}: among all processes
 * campaigning for the same name (same store, namespace and component), at most one is leader at a time. The
 * campaign runs on its own thread until {@link #close()}; the listener hears when this process is granted and loses
 * leadership.
 *
 * <pre>{@code
 * try (KVElection election = locks.elect("scheduler", new KVElection.Listener() {
 *         public void granted(long term) { scheduler.start(term); }
 *         public void revoked(long term) { scheduler.stop(); }
 *     })) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Leadership is a {@link KVLock} held by the campaign's thread: on etcd under the store's lease, so a dead
 * leader is replaced within the lease TTL, and a leader that cannot renew its lease is revoked before etcd could
 * elect another; on TCPStore a dead leader keeps leadership until its lock's owner key is deleted. The term is the
 * lock's fencing token: it grows with every new leader.
 */
public interface KVElection extends AutoCloseable {

    /** Hears about this process's leadership; called on the campaign's thread, one call at a time. */
    interface Listener {

        /** This process became leader for the given term. */
        void granted(long term);

        /** This process is no longer leader for the term: it resigned ({@link #close()}) or lost its lease. */
        void revoked(long term);
    }

    /** @return the name campaigned for */
    String name();

    /** @return whether this process is leader now (on etcd: its lease is certainly still alive) */
    boolean isLeader();

    /** @return the term (fencing token) of this process's leadership, or empty if it is not leader */
    OptionalLong term();

    /**
     * Starts a campaign for the name over any lock, as {@link Locks#elect} does over {@code lock("election/" +
     * name)}: the campaign's thread acquires the lock, is leader while its hold is valid (checked every 100 ms), and
     * tells the listener about the revocation before it releases the lock, so a new leader never starts before the
     * old one was told to stop (unless the old one died).
     */
    static KVElection overLock(String name, KVLock lock, Listener listener) {
        return LockElection.start(name, lock, listener);
    }

    /** Stops campaigning; a leader is revoked (listener called) and resigns, so another can take over at once. */
    @Override
    void close();
}
