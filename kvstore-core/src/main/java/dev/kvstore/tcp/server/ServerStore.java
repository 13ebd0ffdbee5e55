package dev.kvstore.tcp.server;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link TcpStoreServer} keeps its keys ({@code kvstore.tcp.server.store}): in the server's memory (the
 * default: fastest, gone with the process), or in etcd ({@code dev.kvstore.tcp.gateway.EtcdServerStore}), which makes
 * the server a stateless gateway: several gateways on one etcd prefix serve one job, and any of them can die without
 * losing a key. The server computes the TCPStore semantics (what ADD, COMPARE_SET and APPEND make of a value, reply
 * order, waits) once, for every store; a store keeps bytes, applies single-key {@linkplain Update updates} atomically
 * and reports every change to its {@link Listener}.
 *
 * <p>Keys are {@code String}s that hold the key's wire bytes one {@code char} per byte (ISO-8859-1), as the server
 * holds them; values are the wire bytes, never changed once stored. Every call returns at once: the store in memory
 * answers with completed stages on the server's event-loop thread, and the server applies those answers at once; a
 * store outside the process completes them later, on its own threads, within its own request timeout, and the server
 * applies them on its event loop in each connection's request order. A failed stage closes the requesting client's
 * connection (TCPStore has no error reply), and its exception's message is logged: it should say what failed and
 * which setting bounds it. A call that changes keys is applied at most once: a store that cannot tell whether a change
 * was applied (its answer was lost) must find out, or fail the call, never apply it again blindly.
 */
public interface ServerStore extends AutoCloseable {

    /**
     * Connects the store and starts reporting changes; called once, when the server starts, before any client is
     * served. May block.
     *
     * @param listener told of every change to the stored keys from now on, by this server or any other on the store
     * @throws RuntimeException if the store cannot be reached; its message names what to check, and the server does
     *     not start
     */
    void open(Listener listener);

    /** @return the value, or {@code null} if the key has none */
    CompletionStage<byte @Nullable []> get(String key);

    /** Sets the value. */
    CompletionStage<Void> set(String key, byte[] value);

    /**
     * Deletes the value.
     *
     * @return whether this call deleted it (true also when the call's first answer was lost and a retry finds it gone)
     */
    CompletionStage<Boolean> delete(String key);

    /**
     * Applies a read-modify-write atomically: no change by any server between the read and the write.
     *
     * @return the reply of the result that was written; the update's own exception if it refused
     */
    <R extends @Nullable Object> CompletionStage<R> update(String key, Update<R> update);

    /** @return the values in key order, {@code null} for a key without one */
    CompletionStage<List<byte @Nullable []>> getAll(List<String> keys);

    /** Sets the values, each key to the value at its index; a repeated key ends with its last value. */
    CompletionStage<Void> setAll(List<String> keys, List<byte[]> values);

    /** @return how many keys have a value (queues not counted), as GETNUMKEYS answers */
    CompletionStage<Long> count();

    /**
     * @return how many keys have a value, without waiting, callable from any thread: exact in memory, at most about a
     *     second old for a store outside the process (reading it again is started here, never waited for)
     */
    long keyCount();

    /** @return the keys that have a value */
    CompletionStage<List<String>> keys();

    /** @return for each key, in order, whether it has a value or a non-empty queue (what a WAIT waits for) */
    CompletionStage<boolean[]> present(List<String> keys);

    /** Appends an item to the key's queue. */
    CompletionStage<Void> queuePush(String key, byte[] item);

    /** @return the queue's length before the pop and its first item, now removed ({@code null} if it was empty) */
    CompletionStage<Popped> queuePop(String key);

    /** @return the queue's length */
    CompletionStage<Long> queueLength(String key);

    /** Closes the store's connection; calls still under way fail. */
    @Override
    void close();

    /**
     * What a store reports of the changes to its keys: the server wakes its clients' WAITs and notifies their watches
     * from it. The store in memory calls it on the event loop as each change happens; a store outside the process
     * from its own threads, one call at a time, in the order the changes happened, and never blocking.
     */
    interface Listener {

        /** The key now holds {@code value} (created if {@code previous} is {@code null}, else replaced). */
        void written(String key, byte @Nullable [] previous, byte[] value);

        /** The key was deleted; {@code previous} is its value, {@code null} if the store does not know it. */
        void deleted(String key, byte @Nullable [] previous);

        /** An item was pushed onto the key's queue: one WAIT for the key can go. */
        void pushed(String key);

        /**
         * Changes may have been missed (the store's change feed broke, lost history, or may be down without saying
         * so): the server reads again what its pending waits wait for. A store whose feed can fail silently calls it
         * periodically.
         *
         * @param reason what happened, for the log
         */
        void missed(String reason);
    }

    /**
     * A read-modify-write of one key, computed by the server and applied atomically by the store: ADD, COMPARE_SET and
     * APPEND are updates. A store may call {@link #apply} more than once (when another server changed the key first)
     * and writes the result of one call only.
     *
     * @param <R> what the update answers the client
     */
    @FunctionalInterface
    interface Update<R extends @Nullable Object> {

        /**
         * @param current the key's value now, {@code null} if it is missing
         * @return the new value (or none) and the reply
         * @throws RuntimeException to refuse the update: the store fails this update alone with that exception and
         *     writes nothing for it
         */
        Result<R> apply(byte @Nullable [] current);

        /**
         * What an update makes of a key.
         *
         * @param value the new value; {@code null} leaves the key as it is
         * @param reply what the update answers
         * @param <R> the reply's type
         */
        record Result<R extends @Nullable Object>(byte @Nullable [] value, R reply) {

            /** @return the key set to {@code value} */
            public static <R extends @Nullable Object> Result<R> set(byte[] value, R reply) {
                return new Result<>(Objects.requireNonNull(value, "value"), reply);
            }

            /** @return the key left as it is */
            public static <R extends @Nullable Object> Result<R> unchanged(R reply) {
                return new Result<>(null, reply);
            }
        }
    }

    /**
     * What a {@link #queuePop} took.
     *
     * @param lengthBefore the queue's length before the pop (0: empty, nothing taken)
     * @param item the item taken, {@code null} if the queue was empty
     */
    record Popped(long lengthBefore, byte @Nullable [] item) {
    }
}
