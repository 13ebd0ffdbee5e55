package dev.kvstore.api;

import java.util.List;
import java.util.Map;

/**
 * A subscription to the changes of the keys under a prefix, from {@link KeyWatches#watch(String, Listener)}. The
 * listener is called on the subscription's own thread (never an I/O thread), one call at a time, until
 * {@link #close()}.
 *
 * <p>It first gets {@link Listener#onReset} with the current keys, then every change in order. When changes cannot be
 * delivered without a gap (etcd compacted the history the subscription needs, the Java TCPStore master, which keeps
 * no history, was reconnected to, or the listener fell so far behind that the bounded queue overflowed), it gets
 * {@link Listener#onReset} again with the complete current state and the reason, and continues with the changes
 * after it.
 */
public interface KVWatch extends AutoCloseable {

    /** What happened to a key: it was written, or deleted. */
    enum ChangeType { PUT, DELETE }

    /**
     * One change of a key.
     *
     * @param type put or delete
     * @param key the key relative to the component
     * @param value the new value; empty for a delete
     * @param revision the store's revision of the change (etcd's mod revision); 0 on the Java TCPStore master,
     *     which keeps no revisions
     */
    record Change(ChangeType type, String key, byte[] value, long revision) {
    }

    /** Receives what happens under the prefix. */
    interface Listener {

        /**
         * The complete current state under the prefix at {@code revision}: forget what was known before.
         *
         * @param reason why: {@code "initial state"}, or what made the subscription re-read (history compacted,
         *     listener too slow)
         */
        void onReset(Map<String, byte[]> state, long revision, String reason);

        /** Changes after the last reset, in revision order. */
        void onChanges(List<Change> changes);
    }

    /** @return the prefix watched, relative to the component */
    String prefix();

    /** Ends the subscription; no listener call starts after it returns. Idempotent. */
    @Override
    void close();
}
