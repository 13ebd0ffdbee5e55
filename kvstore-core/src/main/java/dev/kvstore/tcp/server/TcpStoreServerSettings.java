package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link TcpStoreServer.Builder}, every one with a default: the setters users call, kept apart
 * from the server so that the server reads as what it does. Only {@link TcpStoreServer.Builder} extends it.
 */
abstract class TcpStoreServerSettings {

    String host = "127.0.0.1";
    int port = 29500;
    TcpProtocol legacyGeneration = TcpProtocol.LEGACY;
    int maxKeyBytes = ServerLimits.DEFAULT_MAX_KEY_BYTES;
    int maxValueBytes = ServerLimits.DEFAULT_MAX_VALUE_BYTES;
    int maxKeysPerRequest = ServerLimits.DEFAULT_MAX_KEYS_PER_REQUEST;
    long maxRequestBytes = ServerLimits.DEFAULT_MAX_REQUEST_BYTES;
    long maxStoreBytes = ServerLimits.DEFAULT_MAX_STORE_BYTES;
    long maxPendingBytes = ServerLimits.DEFAULT_MAX_PENDING_BYTES;
    Duration partialRequestTimeout = ServerLimits.DEFAULT_PARTIAL_REQUEST_TIMEOUT;
    Duration stallLogInterval = TcpStoreServer.DEFAULT_STALL_LOG_INTERVAL;
    Duration stallThreshold = TcpStoreServer.DEFAULT_STALL_THRESHOLD;

    /** The address to bind, e.g. "0.0.0.0" for every interface. Default "127.0.0.1". */
    public TcpStoreServer.Builder host(String bindHost) {
        this.host = Objects.requireNonNull(bindHost, "bindHost");
        return self();
    }

    /** The port to listen on; 0 picks a free one (see {@link TcpStoreServer#port()}). Default 29500. */
    public TcpStoreServer.Builder port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        this.port = port;
        return self();
    }

    /**
     * The opcode numbering for clients that open without VALIDATE: {@link TcpProtocol#LEGACY} (PyTorch
     * 1.13 and 2.0, the default) or {@link TcpProtocol#V2_1}. The two cannot be told apart from the bytes.
     */
    public TcpStoreServer.Builder legacyProtocol(TcpProtocol generation) {
        Objects.requireNonNull(generation, "generation");
        if (generation == TcpProtocol.MODERN || generation == TcpProtocol.AUTO) {
            throw new IllegalArgumentException("the legacy protocol must be LEGACY or V2_1, got " + generation
                    + ": MODERN clients announce themselves with VALIDATE, and legacy ones cannot be detected");
        }
        this.legacyGeneration = generation;
        return self();
    }

    /** Longest key accepted, in bytes; longer closes the connection. Default 8 KiB. */
    public TcpStoreServer.Builder maxKeyBytes(int n) {
        this.maxKeyBytes = n;
        return self();
    }

    /** Longest value accepted, in bytes; longer closes the connection. Default 8 MiB. */
    public TcpStoreServer.Builder maxValueBytes(int n) {
        this.maxValueBytes = n;
        return self();
    }

    /** Most keys in one CHECK/WAIT/MULTI_GET/MULTI_SET; more closes the connection. Default 131072. */
    public TcpStoreServer.Builder maxKeysPerRequest(int n) {
        this.maxKeysPerRequest = n;
        return self();
    }

    /**
     * Most bytes one request may carry (all its keys and values, length prefixes included), and most bytes one
     * connection's pending WAITs and watches may hold (their keys plus 64 bytes per key). More closes the
     * connection with a WARN. With the 16 MiB of unread replies after which a client is no longer read, this
     * bounds what one connection can make the server hold. Default 64 MiB.
     */
    public TcpStoreServer.Builder maxRequestBytes(long n) {
        this.maxRequestBytes = n;
        return self();
    }

    /**
     * Most bytes of keys and values the store holds over all clients (queues included). A SET, APPEND,
     * MULTI_SET, ADD, COMPARE_SET or QUEUE_PUSH that would pass it stores nothing and closes its connection
     * with a WARN. Default 1 GiB.
     */
    public TcpStoreServer.Builder maxStoreBytes(long n) {
        this.maxStoreBytes = n;
        return self();
    }

    /**
     * Most bytes held in partly received requests over all connections. Buffers grow with the bytes that
     * arrived (a declared length alone costs nothing), so this bounds what slow or stalled senders can make the
     * server hold together. Past it the connection holding the most is closed (others are unaffected), counted
     * as {@link Refusal#PENDING_BUDGET}. Default 256 MiB; size the heap above
     * {@link #maxStoreBytes maxStoreBytes} plus this.
     */
    public TcpStoreServer.Builder maxPendingBytes(long n) {
        this.maxPendingBytes = n;
        return self();
    }

    /**
     * How long a connection may send nothing in the middle of a request before it is closed (counted as
     * {@link Refusal#PARTIAL_REQUEST_TIMEOUT}). Idle connections between requests are never closed: ranks idle
     * for hours are normal. Default 60 s.
     */
    public TcpStoreServer.Builder partialRequestTimeout(Duration timeout) {
        this.partialRequestTimeout = requirePositive(timeout, "partialRequestTimeout");
        return self();
    }

    /**
     * How often the stall log reports the keys clients have waited for longer than
     * {@link #stallThreshold stallThreshold}: one INFO line per key with the waiting clients' addresses (at most
     * 10 keys per report, longest waited for first, and a line counting the rest). Default 60 s.
     */
    public TcpStoreServer.Builder stallLogInterval(Duration interval) {
        this.stallLogInterval = requirePositive(interval, "stallLogInterval");
        return self();
    }

    /** How long a key must have been waited for before the stall log names it. Default 60 s. */
    public TcpStoreServer.Builder stallThreshold(Duration threshold) {
        this.stallThreshold = requirePositive(threshold, "stallThreshold");
        return self();
    }

    private static Duration requirePositive(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + duration);
        }
        return duration;
    }

    /** @return the builder itself, for chaining */
    abstract TcpStoreServer.Builder self();
}
