package dev.kvstore.tcp.server;

import dev.kvstore.internal.Checks;
import java.time.Duration;

/**
 * Size limits of the server. A request past any of them closes its connection before anything is allocated for the
 * offending part; together they bound what one connection can make the server hold (see {@code maxRequestBytes}).
 *
 * @param maxKeyBytes longest key
 * @param maxValueBytes longest value
 * @param maxKeysPerRequest most keys in one CHECK/WAIT/MULTI_GET/MULTI_SET
 * @param maxRequestBytes most bytes of one request as received (lengths included), and most bytes one connection's
 *     pending WAITs and watches may hold (keys plus {@link #HELD_KEY_OVERHEAD} per key)
 * @param maxStoreBytes most bytes of keys and values stored (queues included) over all clients
 * @param maxKeys most keys stored (keys with a value and keys with a queue) over all clients
 * @param maxPendingBytes most bytes held in partly received requests over all connections; past it the connection
 *     holding the most is closed
 * @param partialRequestTimeoutNanos how long a connection may send nothing in the middle of a request
 * @param maxMemoryBytes the server-wide {@link MemoryBudget}: most bytes held for clients over all connections
 *     (unread replies, watch backlogs and initial states, partly received requests)
 */
record ServerLimits(int maxKeyBytes, int maxValueBytes, int maxKeysPerRequest, long maxRequestBytes,
        long maxStoreBytes, long maxKeys, long maxPendingBytes, long partialRequestTimeoutNanos,
        long maxMemoryBytes) {

    static final int DEFAULT_MAX_KEY_BYTES = 8 * 1024;
    static final int DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;
    static final int DEFAULT_MAX_KEYS_PER_REQUEST = 128 * 1024;
    /** Room for a COMPARE_SET of two values at the value limit, or a MULTI_SET of a few. */
    static final long DEFAULT_MAX_REQUEST_BYTES = 64L * 1024 * 1024;
    static final long DEFAULT_MAX_STORE_BYTES = 1024L * 1024 * 1024;
    /** Ten times the keys of a rendezvous of 100,000 ranks that each set a handful; a full store of them is ~1 GiB. */
    static final long DEFAULT_MAX_KEYS = 10_000_000;
    /** Room for 32 values at the value limit arriving at once; far more than ranks' requests in flight. */
    static final long DEFAULT_MAX_PENDING_BYTES = 256L * 1024 * 1024;
    /** Far longer than any pause inside one request of a live client (torch sends a request's fields back to back). */
    static final Duration DEFAULT_PARTIAL_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** What a pending WAIT or a watch costs per key beyond the key's bytes (map entries, sets), as charged. */
    static final int HELD_KEY_OVERHEAD = 64;

    ServerLimits {
        Checks.positive("maxKeyBytes", maxKeyBytes);
        Checks.positive("maxValueBytes", maxValueBytes);
        Checks.positive("maxKeysPerRequest", maxKeysPerRequest);
        Checks.positive("maxRequestBytes", maxRequestBytes);
        Checks.positive("maxStoreBytes", maxStoreBytes);
        Checks.positive("maxKeys", maxKeys);
        Checks.positive("maxPendingBytes", maxPendingBytes);
        Checks.positive("partialRequestTimeout", partialRequestTimeoutNanos);
        Checks.positive("maxMemoryBytes", maxMemoryBytes);
    }

    /** Limits with the default key count, pending-bytes budget, partial-request timeout and memory budget. */
    ServerLimits(int maxKeyBytes, int maxValueBytes, int maxKeysPerRequest, long maxRequestBytes, long maxStoreBytes) {
        this(maxKeyBytes, maxValueBytes, maxKeysPerRequest, maxRequestBytes, maxStoreBytes, DEFAULT_MAX_KEYS,
                DEFAULT_MAX_PENDING_BYTES, DEFAULT_PARTIAL_REQUEST_TIMEOUT.toNanos(), MemoryBudget.defaultLimit());
    }

    /**
     * The defaults of PyTorch's libuv server for keys, values and key counts; 64 MiB requests; a 1 GiB store; 256 MiB
     * in partly received requests; 60 s of silence inside a request.
     */
    static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES, DEFAULT_MAX_KEYS_PER_REQUEST,
                DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_STORE_BYTES);
    }

}
