package dev.kvstore.tcp.server;

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
 * client. Any error while serving one connection, {@link OutOfMemoryError} included, closes that connection only;
 * should the event loop itself die, a supervisor restarts it on the same port with the stored keys intact, logs an
 * ERROR and reports it in {@link #status()}. TCPStore has no authentication: the bind address
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
    private final TcpProtocol legacyGeneration;
    private final Duration stallLogInterval;
    private final Duration stallThreshold;

    /** Default of {@link Builder#stallLogInterval}. */
    public static final Duration DEFAULT_STALL_LOG_INTERVAL = Duration.ofSeconds(60);
    /** Default of {@link Builder#stallThreshold}. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofSeconds(60);

    private final ServerLimits limits;
    private final ServerStore serverStore;
    /**
     * In memory: the keys, waits and watches. In a key storage: the waits and watches of this gateway's clients only.
     */
    private final StoreState store;
    /** Prefix watches and ephemeral keys: the Java master's extension, following the store's changes. */
    private final ExtensionCommands extensions;
    private final SnapshotTaker snapshots;
    private final ServerCounters counters = new ServerCounters();
    private final LoopHooks hooks = new LoopHooks();

    private final Object lifecycle = new Object();
    private boolean started;
    private boolean closed;
    private @Nullable ServerSocketChannel channel;
    private volatile @Nullable StorageGateway gateway;
    private volatile @Nullable EventLoop loop;
    private @Nullable Thread thread;
    private @Nullable Thread supervisor;
    private volatile int port = -1;

    private TcpStoreServer(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.legacyGeneration = builder.legacyGeneration;
        this.stallLogInterval = builder.stallLogInterval;
        this.stallThreshold = builder.stallThreshold;
        this.limits = new ServerLimits(builder.maxKeyBytes, builder.maxValueBytes, builder.maxKeysPerRequest,
                builder.maxRequestBytes, builder.maxStoreBytes, builder.maxPendingBytes,
                builder.partialRequestTimeout.toNanos());
        this.serverStore = builder.serverStore;
        this.store = new StoreState(limits);
        this.extensions = new ExtensionCommands(store);
        this.snapshots = new SnapshotTaker(store, limits);
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
            if (!serverStore.isMemory()) {
                gateway = StorageGateway.open(serverStore);
            }
            try {
                channel = Acceptor.bind(host, requestedPort);
            } catch (RuntimeException e) {
                closeGateway();
                throw e;
            }
            try {
                port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
                startLoop();
            } catch (IOException e) {
                Acceptor.closeQuietly(channel);
                closeGateway();
                throw new TcpStoreServerException("cannot start the TCPStore server on " + host + ":"
                        + requestedPort + ": " + e.getMessage(), e);
            }
            supervisor = new Thread(new LoopSupervisor(host + ":" + port, counters, store::keyCount, this::serving,
                    this::restartLoop), "kvstore-tcpstore-supervisor-" + port);
            supervisor.setDaemon(true);
            supervisor.start();
            started = true;
            log.info("TCPStore server listening on {}:{} (clients without VALIDATE use the {} protocol; keys in {})",
                    host, port, legacyGeneration, serverStore);
            if (Acceptor.bindsEveryInterface(channel)) {
                log.info("TCPStore server on {}:{} listens on every interface; TCPStore has no authentication, so "
                        + "anyone who can reach this port can read, change and delete every key", host, port);
            }
            return this;
        }
    }

    /** Runs a new event loop on the store and listening socket; called with {@link #lifecycle} held. */
    private void startLoop() throws IOException {
        RequestHandler handler = gateway == null ? new CommandHandler(store, extensions)
                : gateway.handler(store.waiters(), limits);
        loop = new EventLoop(channel, host + ":" + port, limits, legacyGeneration, store, handler, counters, hooks,
                new StallLog(host + ":" + port, stallLogInterval, stallThreshold));
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
     *     gateway the keys in its storage, written through any gateway, as read at most about a second ago
     */
    public long keyCount() {
        StorageGateway open = gateway;
        return open != null ? open.keyCount() : store.keyCount();
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
     * {@code init/} count are read from its storage afterwards (every gateway's keys); clients, waits and missing keys
     * are this gateway's own, and stored bytes are 0 (the storage keeps them).
     *
     * @throws IllegalStateException if the server is not serving (not started, closed, or restarting its loop)
     * @throws TcpStoreServerException if the loop did not take it within the timeout (it is busy or stuck)
     */
    public ServerSnapshot snapshot(SnapshotQuery query, Duration timeout) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(timeout, "timeout");
        EventLoop current = loop;
        if (current == null || !counters.snapshot().serving()) {
            throw new IllegalStateException("TCPStore server " + this + " is not serving; no snapshot to take");
        }
        ServerSnapshot local = snapshots.takeOn(current, query, timeout, "TCPStore server " + this);
        StorageGateway open = gateway;
        return open == null ? local
                : GatewaySnapshot.withStoredKeys(local, query, open.storage(), timeout, "TCPStore server " + this);
    }

    /** @return WAITs not answered yet over all connections (one per waiting request, however many keys it waits for) */
    public int waiterCount() {
        return store.waiters().waiterCount();
    }

    /**
     * @return bytes of keys and values stored, queues included: what {@link Builder#maxStoreBytes} limits; 0 on a
     *     gateway, whose storage keeps the bytes and bounds them itself
     */
    public long storedBytes() {
        return store.storedBytes();
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
        hooks.killLoopOnce(error);
        EventLoop current = loop;
        if (current != null) {
            current.wakeup();
        }
    }

    /** @return connections watching a prefix (the Java master's extension); for tests and diagnostics */
    int prefixWatchCount() {
        return extensions.watchCount();
    }

    /** @return keys owned by a connection (the Java master's ephemeral keys); for tests and diagnostics */
    int ephemeralKeyCount() {
        return extensions.ephemeralKeyCount();
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
        closeGateway();
        log.info("TCPStore server on {}:{} stopped", host, port);
    }

    private void closeGateway() {
        StorageGateway open;
        synchronized (lifecycle) {
            open = gateway;
            gateway = null;
        }
        if (open != null) {
            open.close();
        }
    }

    /** @return where this server keeps its keys */
    public ServerStore serverStore() {
        return serverStore;
    }

    @Override
    public String toString() {
        return "TcpStoreServer[" + host + ":" + (port >= 0 ? port : requestedPort) + "]";
    }

    /**
     * Builds a {@link TcpStoreServer}; every setter has a default (see {@link TcpStoreServer#builder()} and the
     * table in {@code docs/tcp-server.md}).
     */
    public static final class Builder extends TcpStoreServerSettings {

        private ServerStore serverStore = ServerStore.memory();

        private Builder() {
        }

        /**
         * Where the keys live: {@link ServerStore#memory()} (the default) or a storage such as etcd
         * ({@code dev.kvstore.tcp.gateway.EtcdGatewayStore}), which
         * makes this server a stateless gateway that any number of others can serve the same job beside. Through a
         * gateway every request costs storage round trips; see the README, "High availability".
         */
        public Builder store(ServerStore store) {
            this.serverStore = Objects.requireNonNull(store, "store");
            return this;
        }

        @Override
        Builder self() {
            return this;
        }

        /** @return a server, not yet started */
        public TcpStoreServer build() {
            return new TcpStoreServer(this);
        }
    }
}
