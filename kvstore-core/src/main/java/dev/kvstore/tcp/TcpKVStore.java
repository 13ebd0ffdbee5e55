package dev.kvstore.tcp;

import dev.kvstore.api.AbstractKVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyLayout;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.Printable;
import dev.kvstore.recipes.CompareAndSetLock;
import dev.kvstore.recipes.ThreadReentrantLock;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.Arrays;
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
 * <p>The protocol generation is detected at build by default ({@link ProtocolSelection#AUTO}) with probes that never
 * leave a request unfinished on the master, or named and checked the same way: see {@link Builder#protocol}. Values
 * over {@link Builder#maxValueBytes} are refused before sending; long key lists are split at
 * {@link Builder#maxKeysPerRequest}.
 *
 * <p>Thread-safe: operations borrow a connection from a small pool, and every blocking wait has its own
 * connection, so a long wait never delays other threads. Waits for keys block on the server (WAIT); only what the
 * protocol cannot block on (a value changing, k of n keys) is polled, with bounded exponential backoff.
 *
 * <p>With the Java master ({@link TcpStoreServer}, or a store built with {@code master(true)}), {@link #watch} and
 * {@link #setEphemeral} work through the master's protocol extension: prefix watches (no revisions: a reconnect is a
 * flagged re-read) and keys owned by this store's connection. Torch masters refuse them with an
 * {@link UnsupportedOperationException}; see {@code docs/recipes.md}.
 *
 * <p>{@code close(true)} deletes this namespace's keys only where the server can list them (LIST_KEYS: the
 * {@link ProtocolGeneration#MODERN} protocol against PyTorch 2.10+ or the Java server); otherwise it logs that
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
    private final Duration workerWaitTimeout;
    private final boolean master;
    private final @Nullable Integer worldSize;
    private final boolean waitForWorkers;
    private final int maxValueBytes;
    private final MasterConnection connection;
    private final TcpWaits waits;
    private volatile boolean started;

    private TcpKVStore(Builder builder) {
        super(builder.namespace, builder.component);
        if (!builder.master && builder.port == 0) {
            throw new IllegalArgumentException("port 0 (a free port) is only valid for a master");
        }
        this.host = builder.host;
        this.connectTimeout = builder.connectTimeout;
        this.workerWaitTimeout = builder.workerWaitTimeout;
        this.master = builder.master;
        this.worldSize = builder.worldSize;
        this.waitForWorkers = builder.waitForWorkers;
        this.maxValueBytes = builder.maxValueBytes;
        this.connection = new MasterConnection(builder, "KVStore " + layout(), this::isClosed);
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
     * @return the protocol generation this store speaks (with {@link ProtocolSelection#AUTO} the one {@link #start()}
     *     detected; {@code null} before that)
     */
    public @Nullable ProtocolGeneration protocol() {
        return connection.protocol();
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

    @Override
    protected List<String> doWaitForKeys(KeyLayout keyLayout, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration waitTimeout, @Nullable List<String> candidateKeys) {
        return waits.waitForKeys(keyLayout, pattern, expectedCount, value, waitTimeout, candidateKeys);
    }

    // --- listing -------------------------------------------------------------------------------------------------

    /** LIST_KEYS, where the master and the protocol have it: see {@link TcpKeyLister}. */
    @Override
    protected KeyPage doListKeys(KeyLayout keyLayout, String prefix, @Nullable String continueAfter, int limit) {
        return new TcpKeyLister(connection.pool(), connection.spoken(), connection.address())
                .page(keyLayout.componentPrefix(), prefix, continueAfter, limit);
    }

    // --- locks ---------------------------------------------------------------------------------------------------

    /** Compare-and-set with an owner token; a crashed holder's lock stays until its owner key is deleted. */
    @Override
    protected KVLock newLock(KVStore view, KeyLayout keyLayout, String name) {
        return new ThreadReentrantLock(name, new CompareAndSetLock(view, name));
    }

    // --- ephemeral keys and watches (the Java master's extension) ----------------------------------------------

    /**
     * On the Java master: a key owned by this store's connection, deleted by the master when that connection closes
     * (this store closes, its process dies, the connection breaks). Other masters:
     * {@link UnsupportedOperationException}.
     */
    @Override
    protected void doSetEphemeral(String fullKey, byte[] value) {
        requireValueWithinLimit(fullKey, value);
        connection.javaMasterFeatures().setEphemeral(fullKey, value);
    }

    /**
     * On the Java master: told (off the I/O threads) when the connection owning this store's ephemeral keys is lost,
     * with the keys the master deleted. Other masters: {@link UnsupportedOperationException}.
     */
    @Override
    public void onLeaseLoss(Consumer<String> listener) {
        Objects.requireNonNull(listener, "listener");
        connection.javaMasterFeatures().onConnectionLoss(listener);
    }

    /** On the Java master: a prefix watch; see {@link TcpPrefixWatch}. Other masters: unsupported. */
    @Override
    protected KVWatch doWatch(KeyLayout keyLayout, String prefix, KVWatch.Listener listener) {
        return connection.javaMasterFeatures().watch(keyLayout, prefix, listener);
    }

    /** A watch with the given queue bounds; for tests. */
    KVWatch watch(String prefix, KVWatch.Listener listener, int capacity, long maxQueuedBytes) {
        return connection.javaMasterFeatures().watch(layout(), prefix, listener, capacity, maxQueuedBytes);
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
        ProtocolGeneration spoken = connection.protocol();
        if (spoken == null) {
            log.info("TCPStore {} was never started: the keys of namespace '{}' were not deleted.{}",
                    connection.address(), namespace(), where);
            return;
        }
        new TcpKeyLister(connection.pool(), spoken, connection.address()).deleteNamespace(namespace(),
                layout().namespacePrefix(), where);
    }

    private <T> T withConnection(Function<TcpStoreClient, T> operation) {
        return connection.withConnection(operation);
    }

    /**
     * Builds a {@link TcpKVStore}; every setter has a default (see {@link #builder()}). The setters are listed with
     * their defaults in {@code docs/tcp-client.md}.
     */
    public static final class Builder extends TcpKVStoreSettings {

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
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
