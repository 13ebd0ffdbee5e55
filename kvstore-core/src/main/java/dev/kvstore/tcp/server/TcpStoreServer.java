package dev.kvstore.tcp.server;

import dev.kvstore.internal.Checks;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCPStore master that speaks PyTorch's c10d TCPStore protocol, so real PyTorch ranks (1.13 through 2.10) can use
 * it as their store, including {@code torch.distributed.init_process_group(store=TCPStore(...))}.
 *
 * <p>One event-loop thread with non-blocking sockets serves every connection; thousands of idle ranks cost sockets,
 * not threads. Clients that open with VALIDATE (PyTorch 2.2+) get the modern opcode numbering; others get the
 * configured {@linkplain Builder#legacyProtocol legacy numbering}. WAIT blocks server-side until the keys exist;
 * idle connections have no timeout. A malformed request, a length past the limits, GET of a missing key or ADD to a
 * non-number closes that one connection (aggregated WARN lines with the peers' addresses), never the server. What a
 * client can make the server hold is bounded: buffers grow with the bytes that arrived, not with declared lengths;
 * one request and a connection's pending waits by {@linkplain Builder#maxRequestBytes maxRequestBytes}, all partly
 * received requests together by {@linkplain Builder#maxPendingBytes maxPendingBytes}, a stalled request by
 * {@linkplain Builder#partialRequestTimeout partialRequestTimeout}, the data by
 * {@linkplain Builder#maxStoreBytes maxStoreBytes}, unread replies by pausing (16 MiB) and then closing (64 MiB) the
 * client, and everything held for clients together by {@linkplain Builder#maxMemoryBytes maxMemoryBytes}. Large
 * replies are written in slices between other clients' work. Any error while serving one connection,
 * {@link OutOfMemoryError} included, closes that connection only; should the event loop itself die, a supervisor
 * restarts it on the same port with the stored keys intact, logs an ERROR and reports it in {@link #status()}; if it
 * cannot, it closes the port rather than leave it open and unanswered. TCPStore has no authentication: the bind address
 * ({@linkplain Builder#host default 127.0.0.1}) decides who can connect.
 *
 * <pre>{@code
 * try (TcpStoreServer server = TcpStoreServer.builder().host("0.0.0.0").port(29500).build().start()) {
 *     // torch ranks: TCPStore(MASTER_ADDR, 29500, world_size, is_master=False)
 * }
 * }</pre>
 *
 * Keys are stored exactly as they arrive: PyTorch clients prefix user keys with "/" themselves.
 */
public final class TcpStoreServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);

    private final String host;
    private final int requestedPort;
    private final int backlog;
    private final TcpProtocol legacyGeneration;
    private final Duration stallLogInterval;
    private final Duration stallThreshold;

    /**
     * Default of {@link Builder#backlog}: a queue for as many ranks as one process can hold connecting at once; the
     * kernel caps it at {@code net.core.somaxconn}.
     */
    public static final int DEFAULT_BACKLOG = 65_535;

    /** Default of {@link Builder#stallLogInterval}. */
    public static final Duration DEFAULT_STALL_LOG_INTERVAL = Duration.ofSeconds(60);
    /** Default of {@link Builder#stallThreshold}. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofSeconds(60);

    private final ServerLimits limits;
    private final ServerStore store;
    /** The store when it is in memory (the default), else {@code null}. */
    private final @Nullable MemoryServerStore memory;
    /** The WAITs and WATCH_KEY watches of this server's clients, whatever the store. */
    private final KeyWaiters waiters;
    /** Prefix watches and ephemeral keys: the Java master's extension, on the store in memory only. */
    private final @Nullable ExtensionCommands extensions;
    private final Wakeups wakeups;
    private final CommandHandler handler;
    private final SnapshotTaker snapshots;
    private final ServerCounters counters;
    /** What the server holds for its clients, over all connections and loop restarts. */
    private final MemoryBudget memoryBudget;
    private final LoopHooks hooks = new LoopHooks();

    private final Object lifecycle = new Object();
    private boolean started;
    private boolean closed;
    private @Nullable ServerSocketChannel channel;
    private boolean storeOpen;
    private volatile @Nullable EventLoop loop;
    private @Nullable Thread thread;
    private @Nullable Thread supervisor;
    private volatile int port = -1;

    private TcpStoreServer(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.backlog = builder.backlog;
        this.legacyGeneration = builder.legacyGeneration;
        this.stallLogInterval = builder.stallLogInterval;
        this.stallThreshold = builder.stallThreshold;
        this.limits = new ServerLimits(builder.maxKeyBytes, builder.maxValueBytes, builder.maxKeysPerRequest,
                builder.maxRequestBytes, builder.maxStoreBytes, builder.maxKeys, builder.maxPendingBytes,
                builder.partialRequestTimeout.toNanos(),
                builder.maxMemoryBytes > 0 ? builder.maxMemoryBytes : MemoryBudget.defaultLimit());
        this.memoryBudget = new MemoryBudget(limits.maxMemoryBytes());
        this.counters = new ServerCounters(memoryBudget);
        this.memory = builder.store == null ? new MemoryServerStore(limits, memoryBudget) : null;
        this.store = memory != null ? memory : builder.store;
        this.waiters = new KeyWaiters(limits, memoryBudget);
        this.extensions = memory == null ? null : new ExtensionCommands(memory);
        this.wakeups = new Wakeups(store, waiters, extensions);
        this.handler = new CommandHandler(store, waiters, extensions, limits);
        this.snapshots = new SnapshotTaker(store, waiters, memory, limits);
    }

    /** @return a builder with the defaults: 127.0.0.1:29500, legacy numbering of PyTorch 1.13/2.0 */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts serving.
     *
     * @return this
     * @throws TcpStoreServerException if the address/port cannot be bound (the message names host:port)
     * @throws IllegalStateException if already started or closed
     */
    public TcpStoreServer start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("TCPStore server " + host + ":" + requestedPort + " is closed");
            }
            if (started) {
                throw new IllegalStateException("TCPStore server " + host + ":" + port + " is already started");
            }
            store.open(wakeups);
            storeOpen = true;
            try {
                channel = Acceptor.bind(host, requestedPort, backlog);
            } catch (RuntimeException e) {
                closeStore();
                throw e;
            }
            try {
                port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
                startLoop();
            } catch (IOException e) {
                Acceptor.closeQuietly(channel);
                closeStore();
                throw new TcpStoreServerException("cannot start the TCPStore server on " + host + ":"
                        + requestedPort + ": " + e.getMessage(), e);
            }
            supervisor = new Thread(new LoopSupervisor(host + ":" + port, counters, () -> (int) store.keyCount(),
                    this::serving, this::restartLoop, this::stopListening), "kvstore-tcpstore-supervisor-" + port);
            supervisor.setDaemon(true);
            supervisor.start();
            started = true;
            log.info("TCPStore server listening on {}:{} (clients without VALIDATE use the {} protocol; keys in {})",
                    host, port, legacyGeneration, store);
            if (Acceptor.bindsEveryInterface(channel)) {
                log.info("TCPStore server on {}:{} listens on every interface; TCPStore has no authentication, so "
                        + "anyone who can reach this port can read, change and delete every key", host, port);
            }
            return this;
        }
    }

    /** Runs a new event loop on the store and listening socket; called with {@link #lifecycle} held. */
    private void startLoop() throws IOException {
        loop = new EventLoop(channel, host + ":" + port, limits, legacyGeneration, waiters, handler, counters, hooks,
                new StallLog(host + ":" + port, stallLogInterval, stallThreshold), memoryBudget);
        wakeups.attach(loop);
        thread = new Thread(loop, "kvstore-tcpstore-server-" + port);
        thread.setDaemon(true);
        // Serving from here on: the socket is bound and the loop accepts as soon as its thread runs.
        counters.serving(true);
        thread.start();
    }

    /** @return the loop serving now, for its {@link LoopSupervisor}; {@code null} once closed */
    private LoopSupervisor.@Nullable Serving serving() {
        synchronized (lifecycle) {
            return closed ? null : new LoopSupervisor.Serving(loop, thread);
        }
    }

    /** @return false if the server was closed meanwhile; else a new loop serves */
    private boolean restartLoop() throws IOException {
        synchronized (lifecycle) {
            if (closed) {
                return false;
            }
            startLoop();
            return true;
        }
    }

    /** The supervisor gave up on the loop: clients must find the port closed, not open and unanswered. */
    private void stopListening() {
        ServerSocketChannel listening;
        synchronized (lifecycle) {
            listening = channel;
        }
        Acceptor.closeQuietly(listening);
    }

    /** @return the port listened on (the actual one when built with port 0); -1 before {@link #start()} */
    public int port() {
        return port;
    }

    /** @return the address bound to */
    public String host() {
        return host;
    }

    /** @return clients connected right now */
    public int connectionCount() {
        EventLoop current = loop;
        return current == null ? 0 : current.connectionCount();
    }

    /**
     * @return keys stored, as GETNUMKEYS reports them (PyTorch's {@code init/} counter included; queues not); on a
     *     gateway the keys in its etcd store, written through any gateway, as read at most about a second ago
     */
    public long keyCount() {
        return store.keyCount();
    }

    /**
     * @return whether the server serves clients now, how often its event loop was restarted, its last incident, and
     *     the connections it closed by reason (writes dropped because the store was full among them)
     */
    public ServerStatus status() {
        return counters.snapshot();
    }

    /**
     * Takes a snapshot of the clients, their pending waits, a page of the keys and the missing keys. It is taken on
     * the event-loop thread between two batches of requests, so it is consistent, and the caller waits at most
     * {@code timeout} for it; its size is bounded by the query. On a gateway the key count, the page of keys and the
     * {@code init/} count are read from its etcd store afterwards (every gateway's keys); clients, waits and missing keys
     * are this gateway's own, and stored bytes are 0 (etcd keeps them).
     *
     * @throws IllegalStateException if the server is not serving (not started, closed, or restarting its loop)
     * @throws TcpStoreServerException if the loop did not take it within the timeout (it is busy or stuck), or the
     *     store did not list its keys within it
     */
    public ServerSnapshot snapshot(SnapshotQuery query, Duration timeout) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(timeout, "timeout");
        EventLoop current = loop;
        if (current == null || !counters.snapshot().serving()) {
            throw new IllegalStateException("TCPStore server " + this + " is not serving; no snapshot to take");
        }
        return snapshots.takeOn(current, query, timeout, "TCPStore server " + this);
    }

    /** @return WAITs not answered yet over all connections (one per waiting request, however many keys it waits for) */
    public int waiterCount() {
        return waiters.waiterCount();
    }

    /**
     * @return bytes of keys and values stored, queues included: what {@link Builder#maxStoreBytes} limits; 0 on a
     *     gateway, whose etcd store keeps the bytes and bounds them itself
     */
    public long storedBytes() {
        return memory == null ? 0 : memory.storedBytes();
    }

    /**
     * Testing seam: {@code hook} runs on the event loop before each ready connection is served, with the client's
     * address ("127.0.0.1:54321"); what it throws counts as a failure while serving that connection. {@code null}
     * removes it.
     */
    void beforeServingForTesting(@Nullable Consumer<String> hook) {
        hooks.beforeServing(hook);
    }

    /** Testing seam: the event loop throws {@code error} once, outside any connection's handling, and so dies. */
    void killLoopForTesting(Error error) {
        killLoopForTesting(() -> {
            throw error;
        });
    }

    /**
     * Testing seam: the event loop runs {@code failure} once, outside any connection's handling; what it throws
     * (an {@link OutOfMemoryError} of a heap it filled, say) ends the loop.
     */
    void killLoopForTesting(Runnable failure) {
        hooks.killLoopOnce(failure);
        EventLoop current = loop;
        if (current != null) {
            current.wakeup();
        }
    }

    /** @return connections watching a prefix (the Java master's extension); for tests and diagnostics */
    int prefixWatchCount() {
        return extensions == null ? 0 : extensions.watchCount();
    }

    /** @return keys owned by a connection (the Java master's ephemeral keys); for tests and diagnostics */
    int ephemeralKeyCount() {
        return extensions == null ? 0 : extensions.ephemeralKeyCount();
    }

    /** Reply bytes queued for clients and not written yet; for tests and diagnostics. */
    long replyBacklogBytes() {
        EventLoop current = loop;
        return current == null ? 0 : current.replyBacklogBytes();
    }

    /** Stops accepting, closes every connection and waits for the server thread to end. Idempotent. */
    @Override
    public void close() {
        Thread toJoin;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                return;
            }
            supervisor.interrupt();
            loop.stop();
            toJoin = thread;
        }
        // A loop that died before the stop left the socket to its successor: close it here.
        Acceptor.closeQuietly(channel);
        if (toJoin != Thread.currentThread()) {
            try {
                toJoin.join();
                supervisor.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeStore();
        log.info("TCPStore server on {}:{} stopped", host, port);
    }

    private void closeStore() {
        synchronized (lifecycle) {
            if (!storeOpen) {
                return;
            }
            storeOpen = false;
        }
        store.close();
    }

    @Override
    public String toString() {
        return "TcpStoreServer[" + host + ":" + (port >= 0 ? port : requestedPort) + "]";
    }

    /**
     * Builds a {@link TcpStoreServer}; every setter has a default (see {@link TcpStoreServer#builder()} and the
     * table in {@code docs/tcp-server.md}). A setter given a value out of its range throws
     * {@link IllegalArgumentException} naming the setting.
     */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 29500;
        private int backlog = DEFAULT_BACKLOG;
        private TcpProtocol legacyGeneration = TcpProtocol.LEGACY;
        private int maxKeyBytes = ServerLimits.DEFAULT_MAX_KEY_BYTES;
        private int maxValueBytes = ServerLimits.DEFAULT_MAX_VALUE_BYTES;
        private int maxKeysPerRequest = ServerLimits.DEFAULT_MAX_KEYS_PER_REQUEST;
        private long maxRequestBytes = ServerLimits.DEFAULT_MAX_REQUEST_BYTES;
        private long maxStoreBytes = ServerLimits.DEFAULT_MAX_STORE_BYTES;
        private long maxKeys = ServerLimits.DEFAULT_MAX_KEYS;
        private long maxPendingBytes = ServerLimits.DEFAULT_MAX_PENDING_BYTES;
        private Duration partialRequestTimeout = ServerLimits.DEFAULT_PARTIAL_REQUEST_TIMEOUT;
        /** 0: derived from the heap when the server is built ({@link MemoryBudget#defaultLimit()}). */
        private long maxMemoryBytes;
        private Duration stallLogInterval = TcpStoreServer.DEFAULT_STALL_LOG_INTERVAL;
        private Duration stallThreshold = TcpStoreServer.DEFAULT_STALL_THRESHOLD;
        /** {@code null}: in memory, built by the server from its limits. */
        private @Nullable ServerStore store;

        private Builder() {
        }

        /** The address to bind, e.g. "0.0.0.0" for every interface. Default "127.0.0.1". */
        public Builder host(String bindHost) {
            this.host = Objects.requireNonNull(bindHost, "bindHost");
            return this;
        }

        /** The port to listen on; 0 picks a free one (see {@link TcpStoreServer#port()}). Default 29500. */
        public Builder port(int port) {
            this.port = Checks.port(port);
            return this;
        }

        /**
         * Connections the kernel queues for the server before it accepts them: when many ranks connect at once, one
         * past a full queue is dropped and its client retries after a second or more. The kernel caps it at
         * {@code net.core.somaxconn} (4096 on many hosts; raise that too for a larger queue). Default
         * {@value TcpStoreServer#DEFAULT_BACKLOG}.
         */
        public Builder backlog(int connections) {
            this.backlog = (int) Checks.positive("backlog", connections);
            return this;
        }

        /**
         * The opcode numbering for clients that open without VALIDATE: {@link TcpProtocol#LEGACY} (PyTorch
         * 1.13 and 2.0, the default) or {@link TcpProtocol#V2_1}. The two cannot be told apart from the bytes.
         */
        public Builder legacyProtocol(TcpProtocol generation) {
            Objects.requireNonNull(generation, "generation");
            if (generation == TcpProtocol.MODERN || generation == TcpProtocol.AUTO) {
                throw new IllegalArgumentException("the legacy protocol must be LEGACY or V2_1, got " + generation
                        + ": MODERN clients announce themselves with VALIDATE, and legacy ones cannot be detected");
            }
            this.legacyGeneration = generation;
            return this;
        }

        /** Longest key accepted, in bytes; longer closes the connection. Default 8 KiB. */
        public Builder maxKeyBytes(int n) {
            this.maxKeyBytes = (int) Checks.positive("maxKeyBytes", n);
            return this;
        }

        /** Longest value accepted, in bytes; longer closes the connection. Default 8 MiB. */
        public Builder maxValueBytes(int n) {
            this.maxValueBytes = (int) Checks.positive("maxValueBytes", n);
            return this;
        }

        /** Most keys in one CHECK/WAIT/MULTI_GET/MULTI_SET; more closes the connection. Default 131072. */
        public Builder maxKeysPerRequest(int n) {
            this.maxKeysPerRequest = (int) Checks.positive("maxKeysPerRequest", n);
            return this;
        }

        /**
         * Most bytes one request may carry (all its keys and values, length prefixes included), and most bytes one
         * connection's pending WAITs and watches may hold (their keys plus 64 bytes per key). More closes the
         * connection with a WARN. With the 16 MiB of unread replies after which a client is no longer read, this
         * bounds what one connection can make the server hold. Default 64 MiB.
         */
        public Builder maxRequestBytes(long n) {
            this.maxRequestBytes = Checks.positive("maxRequestBytes", n);
            return this;
        }

        /**
         * Most bytes of keys and values the store holds over all clients (queues included). A SET, APPEND,
         * MULTI_SET, ADD, COMPARE_SET or QUEUE_PUSH that would pass it stores nothing and closes its connection
         * with a WARN. Default 1 GiB.
         */
        public Builder maxStoreBytes(long n) {
            this.maxStoreBytes = Checks.positive("maxStoreBytes", n);
            return this;
        }

        /**
         * Most keys the store holds over all clients (keys with a value and keys with a queue): a write that would add
         * one more stores nothing and closes its connection with a WARN, as past {@link #maxStoreBytes}. Bounds the
         * count of small entries, whose heap cost is mostly per key. Default 10,000,000.
         */
        public Builder maxKeys(long n) {
            this.maxKeys = Checks.positive("maxKeys", n);
            return this;
        }

        /**
         * Most bytes held in partly received requests over all connections. Buffers grow with the bytes that
         * arrived (a declared length alone costs nothing), so this bounds what slow or stalled senders can make the
         * server hold together. Past it the connection holding the most is closed (others are unaffected), counted
         * as {@link Refusal#PENDING_BUDGET}. Default 256 MiB; size the heap above
         * {@link #maxStoreBytes maxStoreBytes} plus this.
         */
        public Builder maxPendingBytes(long n) {
            this.maxPendingBytes = Checks.positive("maxPendingBytes", n);
            return this;
        }

        /**
         * Most bytes the server holds for its clients over all connections: replies they have not read (watch
         * notifications and a watch's initial state included) and partly received requests. Past it the connection
         * with the most unread replies is closed until the new reply fits (the one asking, if it holds the most),
         * counted as {@link Refusal#MEMORY_BUDGET} and logged in the aggregated WARN; a single reply larger than the
         * 64 MiB a connection may leave unread is refused at once. The stored keys, values and queues are charged too,
         * at their heap cost (bytes plus 96 per key), and may take three quarters of it: a write past that stores
         * nothing and closes its connection ({@link Refusal#STORE_FULL}). Default: half of the maximum heap
         * ({@code -Xmx}).
         */
        public Builder maxMemoryBytes(long n) {
            this.maxMemoryBytes = Checks.positive("maxMemoryBytes", n);
            return this;
        }

        /**
         * How long a connection may send nothing in the middle of a request before it is closed (counted as
         * {@link Refusal#PARTIAL_REQUEST_TIMEOUT}). Idle connections between requests are never closed: ranks idle
         * for hours are normal. Default 60 s.
         */
        public Builder partialRequestTimeout(Duration timeout) {
            this.partialRequestTimeout = Checks.positive("partialRequestTimeout", timeout);
            return this;
        }

        /**
         * How often the stall log reports the keys clients have waited for longer than
         * {@link #stallThreshold stallThreshold}: one INFO line per key with the waiting clients' addresses (at most
         * 10 keys per report, longest waited for first, and a line counting the rest). Default 60 s.
         */
        public Builder stallLogInterval(Duration interval) {
            this.stallLogInterval = Checks.positive("stallLogInterval", interval);
            return this;
        }

        /** How long a key must have been waited for before the stall log names it. Default 60 s. */
        public Builder stallThreshold(Duration threshold) {
            this.stallThreshold = Checks.positive("stallThreshold", threshold);
            return this;
        }

        /**
         * Where the keys live: in the server's memory (the default) or in a store outside it such as etcd
         * ({@code dev.kvstore.tcp.gateway.EtcdServerStore}), which makes this server a stateless gateway that any
         * number of others can serve the same job beside. Through a gateway every request costs etcd round trips; see
         * docs/tcp-server.md, "Gateway on etcd". The server opens the store when it starts and closes it when it
         * closes.
         */
        public Builder store(ServerStore serverStore) {
            this.store = Objects.requireNonNull(serverStore, "store");
            return this;
        }

        /** @return a server, not yet started */
        public TcpStoreServer build() {
            return new TcpStoreServer(this);
        }
    }
}
