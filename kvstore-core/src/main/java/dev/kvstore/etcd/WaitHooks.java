package dev.kvstore.etcd;

/**
 * Test hooks into the waits of a store, called on the waiting thread (never on jetcd's event loop). Fault tests use
 * them to act at the exact point of a wait, e.g. to compact between the read and the watch.
 */
interface WaitHooks {

    WaitHooks NONE = new WaitHooks() {
    };

    /** After a read of the waited-for range, before watching from {@code readRevision + 1}. */
    default void beforeWatch(long readRevision) {
    }

    /** The server confirmed the watch from {@code startRevision}. */
    default void watchCreated(long startRevision) {
    }

    /** A read or a watch failed; the wait will read and watch again. */
    default void failed(String reason) {
    }
}
