package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreTimeoutException;
import io.etcd.jetcd.KeyValue;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a wait waits for, as a state machine fed by {@link EtcdWaiter}: first the range read at some revision, then
 * the watch events after that revision, in order. Only the waiting thread touches it.
 *
 * @param <T> the wait's result
 */
abstract class WaitCondition<T> {

    /** Replaces the known state by the result of a fresh read of the watched range. */
    abstract void reset(List<KeyValue> kvs);

    /** Applies a put event. */
    abstract void put(KeyValue kv);

    /** Applies a delete event (the key value carries only the key and the revision). */
    abstract void delete(KeyValue kv);

    /** @return the wait's result if the known state satisfies it, else {@code null} */
    abstract @Nullable T result();

    /** @return what is still missing, for progress logs */
    abstract String missing();

    /** @return the exception to throw when the wait times out, naming what is missing */
    abstract KVStoreTimeoutException timeout(Duration timeout);
}
