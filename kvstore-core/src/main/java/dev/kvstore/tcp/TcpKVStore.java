package dev.kvstore.tcp;

import dev.kvstore.api.AbstractKVStore;
import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyListing;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.Locks;
import dev.kvstore.internal.Checks;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.Printable;
import dev.kvstore.recipes.CompareAndSetLock;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link dev.kvstore.api.KVStore} over PyTorch's c10d TCPStore protocol. As the master
 * ({@link Builder#master(boolean)}) it starts an embedded TCPStore server on {@code host:port} first, like
 * {@code torch.distributed.TCPStore(is_master=True)}; every instance then connects to the master as a client.
 *
 * <p>Keys are {@code {namespace}/{component}/{key}} and go on the wire with PyTorch's {@code "/"} prefix, so a Python
 * process sees the Java key {@code k} of namespace {@code ns} and component {@code comp} as
 * {@code store.get("ns/comp/k")}. Values are raw bytes; see {@code docs/tcp-client.md} for Python interop.
 *
 * <p>The protocol generation is detected at build by default ({@link TcpProtocol#AUTO}) with probes that never
 * leave a request unfinished on the master, or named and checked the same way: see {@link Builder#protocol}. Values
 * over {@link Builder#maxValueBytes} are refused before sending; long key lists are split at
 * {@link Builder#maxKeysPerRequest}.
 *
 * <p>Thread-safe: operations borrow a connection from a small pool, and every blocking wait has its own
 * connection, so a long wait never delays other threads. Waits for keys block on the server (WAIT); only what the
 * protocol cannot block on (a value changing, k of n keys) is polled, with bounded exponential backoff.
 *
 * <p>Its {@link #capability capabilities} depend on the master, asked once when first needed:
 * {@link dev.kvstore.api.Locks} (compare-and-set locks) on every master; {@link dev.kvstore.api.KeyListing} where the
 * master has LIST_KEYS (the Java master and PyTorch 2.10+, with the {@code MODERN} protocol); with the Java master
 * ({@link TcpStoreServer}, or a store built with {@code master(true)}) also {@link dev.kvstore.api.KeyWatches} and
 * {@link dev.kvstore.api.EphemeralKeys}, through the master's protocol extension: prefix watches (no revisions: a
 * reconnect is a flagged re-read) and keys owned by this store's connection. See {@code docs/recipes.md}.
 *
 * <p>{@code close(true)} deletes this namespace's keys only where the server can list them (LIST_KEYS: the
 * {@link TcpProtocol#MODERN} protocol against PyTorch 2.10+ or the Java server); otherwise it logs that
 * TCPStore cannot enumerate keys and leaves them (a master's keys go away with its server).
 */
public final class TcpKVStore extends AbstractKVStore {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);

    /** Long waits log what is still missing this often. */
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(30);
    /** PyTorch's libuv server and the Java server refuse longer values by default. */
    static final int DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;
    /** PyTorch's libuv server and the Java server refuse requests with more keys by default. */
    static final int DEFAULT_MAX_KEYS_PER_REQUEST = 128 * 1024;

    /** Default of {@link Builder#connectTimeout(Duration)}: 300 s, PyTorch's store timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(300);
    /** Default of {@link Builder#requestTimeout(Duration)}: 30 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@link Builder#workerWaitTimeout(Duration)}: 300 s, PyTorch's store timeout. */
    public static final Duration DEFAULT_WORKER_WAIT_TIMEOUT = Duration.ofSeconds(300);

    private final String host;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration workerWaitTimeout;
    private final boolean master;
    private final @Nullable Integer worldSize;
    private final boolean waitForWorkers;
    private final int maxValueBytes;
    private final MasterConnection connection;
    private final TcpWaits waits;
    private volatile boolean started;
    /** Empty if the master lists keys, else why not; {@code null} until asked. */
    private volatile @Nullable Optional<String> whyNotListing;

    private TcpKVStore(Builder builder) {
        super(builder.namespace, builder.component);
        if (!builder.master && builder.port == 0) {
            throw new IllegalArgumentException("port 0 (a free port) is only valid for a master");
        }
        this.host = builder.host;
        this.connectTimeout = builder.connectTimeout;
        this.requestTimeout = builder.requestTimeout;
        this.workerWaitTimeout = builder.workerWaitTimeout;
        this.master = builder.master;
        this.worldSize = builder.worldSize;
        this.waitForWorkers = builder.waitForWorkers;
        this.maxValueBytes = builder.maxValueBytes;
        this.connection = new MasterConnection(builder, "KVStore " + keysOf(this), this::isClosed);
        this.waits = new TcpWaits(connection::lease, connection::spoken, builder.maxKeysPerRequest,
                builder.progressInterval);
    }

    /**
     * For a master: binds and starts the embedded server, after which {@link #port()} is the bound port (the one it
     * picked for port 0). Does nothing for a client or when the server already runs. {@link #start()} calls it.
     *
     * @return this
     * @throws dev.kvstore.api.KVStoreConnectionException if {@code host:port} cannot be bound (cause: the
     *     {@link java.net.BindException})
     * @throws IllegalStateException if the store was closed
     */
    public TcpKVStore startServer() {
        connection.startServer();
        return this;
    }

    /**
     * Starts the embedded server of a master ({@link #startServer()}), connects within the connect timeout and, with
     * a world size, registers and (a waiting master) waits for the workers within the worker wait timeout. Does
     * nothing when already started. {@link #close(boolean)} from another thread aborts a start in progress, which
     * then fails.
     *
     * @return this
     * @throws dev.kvstore.api.KVStoreTimeoutException if the master (cause: the last connect failure, e.g. a
     *     {@link java.net.ConnectException}) or the workers did not show up in time
     * @throws dev.kvstore.api.KVStoreConnectionException if the master cannot be reached or its port is taken
     * @throws ProtocolMismatchException if the master does not serve the generation named by
     *     {@link Builder#protocol}
     */
    public TcpKVStore start() {
        if (started) {
            return this;
        }
        startServer();
        connection.requireNotClosed();
        try {
            TcpConnectionPool connections = connection.connect();
            // Connect now, so that an unreachable master fails the start rather than the first call.
            connections.release(connections.borrow(connectTimeout));
            Integer processes = worldSize;
            if (processes != null) {
                new WorkerRegistration(connection.address(), connection::lease, waits, workerWaitTimeout,
                        connection::embeddedServer).register(processes, master && waitForWorkers);
            }
            started = true;
            return this;
        } catch (RuntimeException e) {
            close(false);
            throw e;
        }
    }

    /** @return a builder with the defaults of {@code torch.distributed.TCPStore} and the key layout
     *     {@code default/tensorbus/{key}} of the Python {@code etha.kvstore} module */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the master's host */
    public String host() {
        return host;
    }

    /**
     * @return the master's port (for a master built with port 0: the port its server picked, once
     *     {@link #startServer()} ran; 0 before)
     */
    public int port() {
        return connection.port();
    }

    /**
     * @return the protocol generation this store speaks, never {@link TcpProtocol#AUTO} (with {@code AUTO} the one
     *     {@link #start()} detected); empty before the start
     */
    public Optional<TcpProtocol> protocol() {
        return Optional.ofNullable(connection.protocol());
    }

    /** @return the bound of connecting to the master ({@link Builder#connectTimeout(Duration)}) */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return the bound of every reply ({@link Builder#requestTimeout(Duration)}) */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** @return the bound of the rendezvous ({@link Builder#workerWaitTimeout(Duration)}) */
    public Duration workerWaitTimeout() {
        return workerWaitTimeout;
    }

    /** @return whether this instance hosts the embedded TCPStore server */
    public boolean isMaster() {
        return master;
    }

    /**
     * @return the embedded TCPStore server of a master (for its {@link TcpStoreServer#status() status}: serving or
     *     not, loop restarts, refusals), empty for a client of another master
     */
    public Optional<TcpStoreServer> embeddedServer() {
        return connection.embeddedServer();
    }

    // --- quick operations ----------------------------------------------------------------------------------------

    @Override
    protected void doSet(String fullKey, byte[] value) {
        requireValueWithinLimit(fullKey, value);
        withConnection(client -> {
            // Acknowledged: a read on another pooled connection must see the value once set returns.
            client.setAcknowledged(fullKey, value);
            return null;
        });
    }

    @Override
    protected Optional<byte[]> doGet(String fullKey) {
        try (ConnectionLease lease = connection.lease()) {
            return lease.readIfPresent(fullKey);
        }
    }

    @Override
    protected boolean doExists(String fullKey) {
        return withConnection(client -> client.check(List.of(fullKey)));
    }

    @Override
    protected boolean doDelete(String fullKey) {
        return withConnection(client -> client.deleteKey(fullKey));
    }

    @Override
    protected long doAdd(String fullKey, long delta) {
        try {
            return withConnection(client -> client.add(fullKey, delta));
        } catch (KVStoreConnectionException e) {
            // The PyTorch master drops the connection when the value is not a number: say so if that is the case.
            Optional<byte[]> current = doGet(fullKey);
            if (current.isPresent() && DecimalText.parse(current.get()).isEmpty()) {
                throw new KVStoreException("cannot add to key '" + fullKey + "': it holds '"
                        + Printable.of(current.get()) + "', not a decimal number", e);
            }
            throw e;
        }
    }

    /**
     * The master refuses a longer value by closing the connection (SET has no reply, so the loss would be silent until
     * the next call): refuse it here, before anything is sent, and say which setting changes the limit.
     */
    private void requireValueWithinLimit(String fullKey, byte[] value) {
        if (value.length > maxValueBytes) {
            throw new KVStoreLimitException("value of " + value.length + " bytes for key '" + fullKey
                    + "' is larger than the maximum value size of " + maxValueBytes + " bytes; nothing was sent. "
                    + "TCPStore masters refuse larger values (PyTorch's libuv server and the Java server at 8 MiB by "
                    + "default). Raise it with kvstore.tcp.server.max-value-size (TcpKVStore.Builder.maxValueBytes) "
                    + "on every rank, master included.");
        }
    }

    @Override
    protected boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
        byte[] expectedOnWire = expected == null ? new byte[0] : expected;
        requireValueWithinLimit(fullKey, expectedOnWire);
        requireValueWithinLimit(fullKey, desired);
        return withConnection(client -> {
            byte[] after = client.compareSet(fullKey, expectedOnWire, desired);
            if (!Arrays.equals(after, desired)) {
                return false;
            }
            if (expected != null && expected.length > 0 && Arrays.equals(expected, desired)) {
                // A missing key makes the server echo 'expected', which equals 'desired' here: ask.
                return client.check(List.of(fullKey));
            }
            return true;
        });
    }

    // --- waits ---------------------------------------------------------------------------------------------------

    @Override
    protected byte[] doWaitForKey(String fullKey, Duration waitTimeout) {
        return waits.waitForKey(fullKey, waitTimeout);
    }

    @Override
    protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration waitTimeout) {
        return waits.waitForValue(fullKey, expected, waitTimeout);
    }

    /**
     * Enough candidate keys: the server-side WAIT (and polling for k of n). Too few (none, say): the master's key
     * list, where it has LIST_KEYS; otherwise the caller must name the candidates, and the error says so.
     */
    @Override
    protected List<String> doWaitForKeys(KVStore view, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration waitTimeout, @Nullable List<String> candidateKeys) {
        KeyLayout keyLayout = keysOf(view);
        List<String> candidates = candidateKeys == null ? List.of() : List.copyOf(new LinkedHashSet<>(candidateKeys));
        if (candidates.size() >= expectedCount) {
            return waits.waitForKeys(keyLayout, pattern, expectedCount, value, waitTimeout, candidates);
        }
        Optional<String> whyNotListing = whyNotListing();
        if (whyNotListing.isEmpty()) {
            return waits.waitForListedKeys(keyLayout, pattern, expectedCount, value, waitTimeout);
        }
        throw new IllegalArgumentException("waitForKeys expects " + expectedCount + " keys matching '" + pattern
                + "' but " + (candidateKeys == null ? "was given no candidate keys"
                        : "only " + candidates.size() + " candidate keys match it: " + candidates)
                + ", and the TCPStore master at " + connection.address() + " cannot list its keys to find them: "
                + whyNotListing.get() + ". Pass the keys that may match (for example one per rank) as candidate "
                + "keys (waitForKeys(pattern, count, candidateKeys, timeout) or KeysQuery.withCandidates), or use a "
                + "master that lists keys: the Java master, or PyTorch 2.10+ with kvstore.tcp.protocol auto or modern "
                + "(TcpKVStore.Builder.protocol).");
    }

    // --- capabilities --------------------------------------------------------------------------------------------

    /** LIST_KEYS, where the master and the protocol have it (asked once): see {@link TcpKeyLister}. */
    @Override
    protected Optional<KeyListing> listing(KVStore view) {
        if (whyNotListing().isPresent()) {
            return Optional.empty();
        }
        String componentPrefix = keysOf(view).componentPrefix();
        return Optional.of((prefix, continueAfter, limit) -> lister()
                .page(componentPrefix, prefix == null ? "" : prefix, continueAfter, limit));
    }

    /** @return empty if the master lists keys, else why not; asked of the master once per store */
    private Optional<String> whyNotListing() {
        Optional<String> known = whyNotListing;
        if (known == null) {
            synchronized (connection) {
                known = whyNotListing;
                if (known == null) {
                    known = lister().whyNotListing();
                    whyNotListing = known;
                }
            }
        }
        return known;
    }

    private TcpKeyLister lister() {
        return new TcpKeyLister(connection.pool(), connection.spoken(), connection.address());
    }

    /** Compare-and-set with an owner token, on any master; a crashed holder's lock stays until its key is deleted. */
    @Override
    protected Optional<Locks> locks(KVStore view) {
        return Optional.of(CompareAndSetLock.locks(view));
    }

    /**
     * On the Java master: keys owned by this store's connection, deleted by the master when that connection closes
     * (this store closes, its process dies, the connection breaks); the listener hears (off the I/O threads) when
     * that connection is lost, with the keys the master deleted. Other masters: none.
     */
    @Override
    protected Optional<EphemeralKeys> ephemeralKeys(KVStore view) {
        if (!connection.javaMasterFeatures().isJavaMaster()) {
            return Optional.empty();
        }
        KeyLayout keyLayout = keysOf(view);
        return Optional.of(new EphemeralKeys() {
            @Override
            public void setEphemeralBytes(String key, byte[] value) {
                String fullKey = keyLayout.fullKey(key);
                requireValueWithinLimit(fullKey, value);
                connection.javaMasterFeatures().setEphemeral(fullKey, value);
            }

            @Override
            public void onLeaseLoss(Consumer<String> listener) {
                connection.javaMasterFeatures().onConnectionLoss(Objects.requireNonNull(listener, "listener"));
            }
        });
    }

    /** On the Java master: prefix watches; see {@link TcpPrefixWatch}. Other masters: none. */
    @Override
    protected Optional<KeyWatches> watches(KVStore view) {
        if (!connection.javaMasterFeatures().isJavaMaster()) {
            return Optional.empty();
        }
        KeyLayout keyLayout = keysOf(view);
        return Optional.of((prefix, listener) -> connection.javaMasterFeatures().watch(keyLayout,
                prefix == null ? "" : prefix, listener));
    }

    /** A watch with the given queue bounds; for tests. */
    KVWatch watch(String prefix, KVWatch.Listener listener, int capacity, long maxQueuedBytes) {
        return connection.javaMasterFeatures().watch(keysOf(this), prefix, listener, capacity, maxQueuedBytes);
    }

    // --- close ---------------------------------------------------------------------------------------------------

    @Override
    protected void doClose(boolean cleanup) {
        try {
            if (cleanup) {
                deleteNamespace();
            }
        } finally {
            connection.close();
        }
    }

    private void deleteNamespace() {
        String where = master ? " They go away with this master's server, which closes now."
                : " They stay on the master until it exits.";
        TcpProtocol spoken = connection.protocol();
        if (spoken == null) {
            log.info("TCPStore {} was never started: the keys of namespace '{}' were not deleted.{}",
                    connection.address(), namespace(), where);
            return;
        }
        new TcpKeyLister(connection.pool(), spoken, connection.address()).deleteNamespace(namespace(),
                keysOf(this).namespacePrefix(), where);
    }

    /** @return the layout of the keys of a store or view: {@code {namespace}/{component}/{key}} */
    private static KeyLayout keysOf(KVStore view) {
        return KeyLayout.of(view.namespace(), view.component());
    }

    private <T> T withConnection(Function<TcpStoreClient, T> operation) {
        return connection.withConnection(operation);
    }

    /**
     * Builds a {@link TcpKVStore}; every setter has a default (see {@link #builder()}). The setters are listed with
     * their defaults in {@code docs/tcp-client.md}.
     */
    public static final class Builder {

        String host = "127.0.0.1";
        int port = 29500;
        @Nullable Integer worldSize;
        boolean master;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        Duration workerWaitTimeout = DEFAULT_WORKER_WAIT_TIMEOUT;
        boolean waitForWorkers = true;
        String namespace = "default";
        String component = "tensorbus";
        TcpProtocol protocol = TcpProtocol.AUTO;
        TcpProtocol serverLegacyProtocol = TcpProtocol.LEGACY;
        Consumer<TcpStoreServer.Builder> serverCustomizer = server -> { };
        Duration progressInterval = PROGRESS_INTERVAL;
        int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        int maxKeysPerRequest = DEFAULT_MAX_KEYS_PER_REQUEST;

        /** Host of the master: where clients connect, and the address the master's server binds to. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port of the master (default 29500, torchrun's default); 0 lets a master pick a free port. */
        public Builder port(int port) {
            this.port = Checks.port(port);
            return this;
        }

        /**
         * Number of processes of the job, master included. When set, every instance registers on the
         * {@code init/} counter as PyTorch does, and a master with {@link #waitForWorkers(boolean)} waits for all.
         * {@code null} (the default) registers nothing.
         */
        public Builder worldSize(@Nullable Integer worldSize) {
            if (worldSize != null && worldSize < 1) {
                throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
            }
            this.worldSize = worldSize;
            return this;
        }

        /** Whether this instance hosts the TCPStore server (rank 0). */
        public Builder master(boolean master) {
            this.master = master;
            return this;
        }

        /**
         * Bound of connecting to the master at {@link TcpKVStore#start()}, retried with backoff while it refuses
         * (default 300 s, PyTorch's store timeout: the master may start later).
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive("connectTimeout", connectTimeout);
            return this;
        }

        /**
         * Bound of one request: its reply and, when no idle connection is left, reconnecting for it (default 30 s).
         * Waits and barriers take their own timeouts.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Checks.positive("requestTimeout", requestTimeout);
            return this;
        }

        /** Bound of a waiting master's rendezvous: all {@code worldSize} processes registered (default 300 s). */
        public Builder workerWaitTimeout(Duration workerWaitTimeout) {
            this.workerWaitTimeout = Checks.positive("workerWaitTimeout", workerWaitTimeout);
            return this;
        }

        /** Whether the master blocks at construction until {@code worldSize} processes registered (default true). */
        public Builder waitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
            return this;
        }

        /** The namespace: the first part of every key, {@code {namespace}/{component}/{key}} (default "default"). */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** The component: the second part of every key (default "tensorbus"). */
        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /**
         * The protocol generation of the master this client talks to: {@link TcpProtocol#AUTO} (the default) detects
         * the master's at build and logs it at INFO; a named generation is checked against the master first (without
         * disturbing it), and the build fails within seconds if the master does not serve it.
         */
        public Builder protocol(TcpProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * For a master: the numbering its server uses for clients that send no VALIDATE handshake
         * ({@link TcpProtocol#LEGACY} for torch 1.13/2.0, the default, or {@link TcpProtocol#V2_1}).
         */
        public Builder serverLegacyProtocol(TcpProtocol serverLegacyProtocol) {
            if (serverLegacyProtocol == TcpProtocol.MODERN || serverLegacyProtocol == TcpProtocol.AUTO) {
                throw new IllegalArgumentException("serverLegacyProtocol must be LEGACY or V2_1");
            }
            this.serverLegacyProtocol = Objects.requireNonNull(serverLegacyProtocol, "serverLegacyProtocol");
            return this;
        }

        /**
         * For a master: adjusts its embedded {@link TcpStoreServer} before it starts, typically its limits
         * ({@code server -> server.maxValueBytes(1 << 20).maxStoreBytes(256L << 20)}). Host, port and legacy protocol
         * are always this builder's. Calls compose: each customizer runs after the earlier ones, so one that changes a
         * single limit keeps the others.
         */
        public Builder server(Consumer<TcpStoreServer.Builder> serverCustomizer) {
            Objects.requireNonNull(serverCustomizer, "serverCustomizer");
            this.serverCustomizer = this.serverCustomizer.andThen(serverCustomizer);
            return this;
        }

        /**
         * Longest value this store sends (default 8 MiB, the limit of PyTorch's libuv server and of the Java
         * server): a longer {@code set} or {@code compareAndSet} fails with
         * {@link dev.kvstore.api.KVStoreLimitException} before anything is sent. Set it to the master's limit; a
         * master applies it to its own server too.
         */
        public Builder maxValueBytes(int maxValueBytes) {
            if (maxValueBytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be positive, got " + maxValueBytes);
            }
            this.maxValueBytes = maxValueBytes;
            return this;
        }

        /**
         * Most keys this store puts in one WAIT, CHECK or MULTI_GET (default 131072, the limit of PyTorch's libuv
         * server and of the Java server): {@code waitForKeys} with more candidates splits its requests. Set it to
         * the master's limit; a master applies it to its own server too.
         */
        public Builder maxKeysPerRequest(int maxKeysPerRequest) {
            if (maxKeysPerRequest < 1) {
                throw new IllegalArgumentException("maxKeysPerRequest must be positive, got " + maxKeysPerRequest);
            }
            this.maxKeysPerRequest = maxKeysPerRequest;
            return this;
        }

        /** How often long waits log progress (default 30 s); package-private for tests. */
        Builder progressInterval(Duration progressInterval) {
            this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
            return this;
        }

        private Builder() {
        }

        /**
         * Connects (starting the embedded server first if this is the master) and, where configured, registers
         * and waits for workers: {@code create().start()}.
         *
         * @throws dev.kvstore.api.KVStoreTimeoutException if the master or the workers did not show up in time
         * @throws dev.kvstore.api.KVStoreConnectionException if the master cannot be reached or its port is taken
         */
        public TcpKVStore build() {
            return create().start();
        }

        /**
         * Creates the store without any I/O; {@link TcpKVStore#start()} (or {@link TcpKVStore#startServer()} first)
         * connects it. Operations before the start fail with an {@link IllegalStateException}.
         *
         * @throws IllegalArgumentException if the settings contradict each other (port 0 for a client)
         */
        public TcpKVStore create() {
            return new TcpKVStore(this);
        }
    }
}
