package dev.kvstore.spring;

/**
 * The operations of a {@link dev.kvstore.api.KVStore} that are observed (timed, traced) one call at a time: the one
 * list that {@link ForwardingKVStore} (and so {@link ManagedKVStore}), the observations' tags and the metrics derive
 * from. The capabilities ({@link dev.kvstore.api.KVStore#capability}: listing keys, locks, elections, watches,
 * ephemeral keys) are forwarded unobserved: a listing or a lock is many store calls, not one operation.
 */
public enum KVStoreOperation {

    SET("set", false),
    GET("get", false),
    EXISTS("exists", false),
    DELETE("delete", false),
    ADD("add", false),
    COMPARE_AND_SET("compareAndSet", false),
    WAIT_FOR_KEY("waitForKey", true),
    WAIT_FOR_VALUE("waitForValue", true),
    WAIT_FOR_KEYS("waitForKeys", true),
    BARRIER("barrier", true);

    private final String tagValue;

    private final boolean waiting;

    KVStoreOperation(String tagValue, boolean waiting) {
        this.tagValue = tagValue;
        this.waiting = waiting;
    }

    /** @return the name of the operation as in the Java API, e.g. {@code waitForKey}; used as a metric tag */
    public String tagValue() {
        return this.tagValue;
    }

    /** @return whether the operation blocks until other processes act (a wait or a barrier) */
    public boolean isWaiting() {
        return this.waiting;
    }

}
