package dev.kvstore.tcp.server.spi;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link dev.kvstore.tcp.server.TcpStoreServer} keeps its keys when they live outside its memory (SPI), so
 * that several servers on one storage serve one job as stateless gateways. Keys and values are the raw wire bytes; a
 * key may have a value and, apart from it, a queue.
 *
 * <p>Every call returns at once and completes later, on any thread; none may block. Every call completes, normally or
 * exceptionally, within the storage's own request timeout, so that no client waits past it. A call that fails is
 * answered by closing the requesting client's connection (TCPStore has no error reply), and its exception's message
 * is logged: it should say what failed and which setting bounds it. A call that changes keys is applied at most once:
 * when the storage cannot tell whether a change was applied (its answer was lost), it must find out, or fail the call,
 * but never apply it again blindly.
 *
 * <p>Changes by any server on the same storage reach the {@link KeyChangeListener} given to
 * {@link KeyStorageFactory#open}.
 */
public interface KeyStorage extends AutoCloseable {

    /** @return the value, or {@code null} if the key has none */
    CompletionStage<byte @Nullable []> get(byte[] key);

    /** Sets the value. */
    CompletionStage<Void> set(byte[] key, byte[] value);

    /**
     * Deletes the value.
     *
     * @return whether this call deleted it (true also when the call's first answer was lost and a retry finds it gone)
     */
    CompletionStage<Boolean> delete(byte[] key);

    /**
     * Applies a read-modify-write atomically: no change by any server between the read and the write.
     *
     * @return the reply of the result that was committed; the update's own exception if it refused
     */
    <R extends @Nullable Object> CompletionStage<R> update(byte[] key, KeyUpdate<R> update);

    /** @return the values in key order, {@code null} for a key without one */
    CompletionStage<List<byte @Nullable []>> getAll(List<byte[]> keys);

    /** Sets the values, each key to the value at its index; a repeated key ends with its last value. */
    CompletionStage<Void> setAll(List<byte[]> keys, List<byte[]> values);

    /** @return how many keys have a value (queues not counted) */
    CompletionStage<Long> count();

    /** @return the keys that have a value */
    CompletionStage<List<byte[]>> keys();

    /** @return for each key, in order, whether it has a value or a non-empty queue (what a WAIT waits for) */
    CompletionStage<boolean[]> present(List<byte[]> keys);

    /** Appends an item to the key's queue. */
    CompletionStage<Void> queuePush(byte[] key, byte[] item);

    /** @return the queue's length before the pop and its first item, now removed ({@code null} if it was empty) */
    CompletionStage<Popped> queuePop(byte[] key);

    /** @return the queue's length */
    CompletionStage<Long> queueLength(byte[] key);

    /** Closes the connection to the storage; calls still under way fail. */
    @Override
    void close();

    /**
     * What a {@link #queuePop} took.
     *
     * @param lengthBefore the queue's length before the pop (0: empty, nothing taken)
     * @param item the item taken, {@code null} if the queue was empty
     */
    record Popped(long lengthBefore, byte @Nullable [] item) {
    }
}
