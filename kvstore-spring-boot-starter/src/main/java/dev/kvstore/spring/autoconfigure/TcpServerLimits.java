package dev.kvstore.spring.autoconfigure;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * The limits of the embedded TCPStore server of a master ({@code kvstore.tcp.server.*}) and its stall log. Bound as
 * {@link KVStoreProperties.Tcp.Server}, which adds where the master keeps the keys.
 */
public abstract class TcpServerLimits {

    /** Longest key the master accepts (PyTorch's libuv server: 8KB). */
    private DataSize maxKeySize = DataSize.ofKilobytes(8);

    /**
     * Longest value the master accepts (PyTorch's libuv server: 8MB). Every rank's client refuses longer
     * values before sending them (KVStoreLimitException), so set the same value on every rank.
     */
    private DataSize maxValueSize = DataSize.ofMegabytes(8);

    /**
     * Most keys in one CHECK, WAIT, MULTI_GET or MULTI_SET request. Every rank's client splits longer key
     * lists (waitForKeys) into requests of at most this many keys, so set the same value on every rank.
     */
    private int maxKeysPerRequest = 131072;

    /** Most bytes of one request, and of one connection's pending waits and watches. */
    private DataSize maxRequestSize = DataSize.ofMegabytes(64);

    /** Most bytes of keys and values the master holds over all clients; size the heap above it. */
    private DataSize maxStoreSize = DataSize.ofGigabytes(1);

    /**
     * Most bytes the master holds in partly received requests over all clients (buffers grow with the bytes
     * that arrived); past it the connection holding the most is closed. Size the heap above max-store-size
     * plus this.
     */
    private DataSize maxPendingSize = DataSize.ofMegabytes(256);

    /**
     * How long a client may send nothing in the middle of a request before the master closes its
     * connection. Idle connections between requests are never closed.
     */
    private Duration partialRequestTimeout = Duration.ofSeconds(60);

    /**
     * How often the master logs the keys clients have waited for longer than the stall threshold: one INFO
     * line per key (at most 10 per report) with the waiting clients' addresses.
     */
    private Duration stallLogInterval = Duration.ofSeconds(60);

    /** How long a key must have been waited for (and not set) before the master's stall log names it. */
    private Duration stallThreshold = Duration.ofSeconds(60);

    /**
     * Most bytes the master holds for its clients (unread replies, watch backlogs and initial states, partly
     * received requests); past it the connection with the most unread replies is closed. Default: half the heap.
     */
    private @Nullable DataSize maxMemorySize;

    public DataSize getMaxKeySize() {
        return this.maxKeySize;
    }

    public void setMaxKeySize(DataSize maxKeySize) {
        this.maxKeySize = maxKeySize;
    }

    public DataSize getMaxValueSize() {
        return this.maxValueSize;
    }

    public void setMaxValueSize(DataSize maxValueSize) {
        this.maxValueSize = maxValueSize;
    }

    public int getMaxKeysPerRequest() {
        return this.maxKeysPerRequest;
    }

    public void setMaxKeysPerRequest(int maxKeysPerRequest) {
        this.maxKeysPerRequest = maxKeysPerRequest;
    }

    public DataSize getMaxRequestSize() {
        return this.maxRequestSize;
    }

    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    public DataSize getMaxStoreSize() {
        return this.maxStoreSize;
    }

    public void setMaxStoreSize(DataSize maxStoreSize) {
        this.maxStoreSize = maxStoreSize;
    }

    public DataSize getMaxPendingSize() {
        return this.maxPendingSize;
    }

    public void setMaxPendingSize(DataSize maxPendingSize) {
        this.maxPendingSize = maxPendingSize;
    }

    public Duration getPartialRequestTimeout() {
        return this.partialRequestTimeout;
    }

    public void setPartialRequestTimeout(Duration partialRequestTimeout) {
        this.partialRequestTimeout = partialRequestTimeout;
    }

    public Duration getStallLogInterval() {
        return this.stallLogInterval;
    }

    public void setStallLogInterval(Duration stallLogInterval) {
        this.stallLogInterval = stallLogInterval;
    }

    public @Nullable DataSize getMaxMemorySize() {
        return this.maxMemorySize;
    }

    public void setMaxMemorySize(@Nullable DataSize maxMemorySize) {
        this.maxMemorySize = maxMemorySize;
    }

    public Duration getStallThreshold() {
        return this.stallThreshold;
    }

    public void setStallThreshold(Duration stallThreshold) {
        this.stallThreshold = stallThreshold;
    }
}
