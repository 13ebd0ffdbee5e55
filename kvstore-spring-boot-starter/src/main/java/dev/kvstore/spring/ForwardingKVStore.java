package dev.kvstore.spring;

import dev.kvstore.api.KVCapability;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KeysQuery;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link KVStore} that forwards every call to a target store and runs each {@link KVStoreOperation} through one
 * hook, {@link #invoke}: the single place where the store's API is mapped to its operations. Subclasses decide
 * which store a call goes to ({@link #target}) and what happens around an operation (observing it).
 */
public abstract class ForwardingKVStore implements KVStore {

    /**
     * The store a call forwards to.
     * @param call the name of the call, for error messages (e.g. a store that did not start in time)
     */
    protected abstract KVStore target(String call);

    /**
     * Runs one operation; subclasses observe it. Must return what {@code call} returns and throw what it throws.
     * @param operation the operation
     * @param key what the operation is about: the key, the key pattern or the barrier name
     * @param call runs the operation on the target
     */
    protected abstract <T> T invoke(KVStoreOperation operation, String key, Supplier<T> call);

    /**
     * Calls a wait or a barrier on the target with the time it may take. The default passes the whole timeout;
     * a store that first waits for its target passes what is left.
     */
    protected <T> T invokeWait(KVStoreOperation operation, Duration timeout, BiFunction<KVStore, Duration, T> call) {
        return call.apply(target(operation.tagValue()), timeout);
    }

    @Override
    public final void setBytes(String key, byte[] value) {
        invoke(KVStoreOperation.SET, key, () -> {
            target("set").setBytes(key, value);
            return null;
        });
    }

    @Override
    public final Optional<byte[]> getBytes(String key) {
        return invoke(KVStoreOperation.GET, key, () -> target("get").getBytes(key));
    }

    @Override
    public final boolean exists(String key) {
        return invoke(KVStoreOperation.EXISTS, key, () -> target("exists").exists(key));
    }

    @Override
    public final boolean delete(String key) {
        return invoke(KVStoreOperation.DELETE, key, () -> target("delete").delete(key));
    }

    @Override
    public final long add(String key, long delta) {
        return invoke(KVStoreOperation.ADD, key, () -> target("add").add(key, delta));
    }

    @Override
    public final boolean compareAndSet(String key, byte @Nullable [] expected, byte[] desired) {
        return invoke(KVStoreOperation.COMPARE_AND_SET, key,
                () -> target("compareAndSet").compareAndSet(key, expected, desired));
    }

    @Override
    public final byte[] waitForKey(String key, Duration timeout) {
        return invoke(KVStoreOperation.WAIT_FOR_KEY, key, () -> invokeWait(KVStoreOperation.WAIT_FOR_KEY, timeout,
                (store, left) -> store.waitForKey(key, left)));
    }

    @Override
    public final byte[] waitForValue(String key, String expected, Duration timeout) {
        return invoke(KVStoreOperation.WAIT_FOR_VALUE, key, () -> invokeWait(KVStoreOperation.WAIT_FOR_VALUE,
                timeout, (store, left) -> store.waitForValue(key, expected, left)));
    }

    @Override
    public final List<String> waitForKeys(KeysQuery query, Duration timeout) {
        return invoke(KVStoreOperation.WAIT_FOR_KEYS, query.keyPattern(), () -> invokeWait(
                KVStoreOperation.WAIT_FOR_KEYS, timeout, (store, left) -> store.waitForKeys(query, left)));
    }

    @Override
    public final void barrier(String name, int parties, Duration timeout) {
        invoke(KVStoreOperation.BARRIER, name,
                () -> invokeWait(KVStoreOperation.BARRIER, timeout, (store, left) -> {
                    store.barrier(name, parties, left);
                    return null;
                }));
    }

    /**
     * The target's capability, forwarded and not observed: a listing, a lock or a watch is many store calls, not one
     * operation.
     */
    @Override
    public final <C extends KVCapability> Optional<C> capability(Class<C> type) {
        return target("capability").capability(type);
    }

}
