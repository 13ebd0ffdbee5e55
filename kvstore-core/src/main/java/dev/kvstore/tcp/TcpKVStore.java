package dev.kvstore.tcp;

import dev.kvstore.api.AbstractKVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyLayout;
import dev.kvstore.api.KeyPage;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.recipes.CompareAndSetLock;
import dev.kvstore.recipes.ThreadReentrantLock;
import dev.kvstore.tcp.protocol.Command;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
 * <p>{@code close(true)} deletes this namespace's keys only where the server can list them (LIST_KEYS: the
 * {@link ProtocolGeneration#MODERN} protocol against PyTorch 2.10+ or the Java server); otherwise it logs that
 * TCPStore cannot enumerate keys and leaves them (a master's keys go away with its server).
 */
public final class TcpKVStore extends AbstractKVStore {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);

    /** Long waits log what is still missing this often. */
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(30);
    private static final int MAX_IDLE_CONNECTIONS = 16;
    private static final int GET_ATTEMPTS = 3;
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
    private final int requestedPort;
    private final ProtocolSelection protocolSelection;
    /** The generation spoken: chosen, or detected by {@link #start()}; {@code null} until then with auto. */
    private volatile ProtocolGeneration protocol;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration workerWaitTimeout;
    private final boolean master;
    private final Integer worldSize;
    private final boolean waitForWorkers;
    private final ProtocolGeneration serverLegacyProtocol;
    private final Consumer<TcpStoreServer.Builder> serverCustomizer;
    private final Duration progressInterval;
    private final int maxValueBytes;
    private final int maxKeysPerRequest;
    private final Object startLock = new Object();
    private volatile int port;
    private volatile EmbeddedMaster server;
    private volatile TcpConnectionPool pool;
    private volatile boolean started;

    private TcpKVStore(Builder builder) {
        super(builder.namespace, builder.component);
        if (!builder.master && builder.port == 0) {
            throw new IllegalArgumentException("port 0 (a free port) is only valid for a master");
        }
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.port = builder.port;
        this.protocolSelection = builder.protocol;
        this.connectTimeout = builder.connectTimeout;
        this.requestTimeout = builder.requestTimeout;
        this.workerWaitTimeout = builder.workerWaitTimeout;
        this.master = builder.master;
        this.worldSize = builder.worldSize;
        this.waitForWorkers = builder.waitForWorkers;
        this.serverLegacyProtocol = builder.serverLegacyProtocol;
        this.progressInterval = builder.progressInterval;
        this.maxValueBytes = builder.maxValueBytes;
        this.maxKeysPerRequest = builder.maxKeysPerRequest;
        // The store's limits are its own server's too; a server(...) customizer may still change the server's.
        Consumer<TcpStoreServer.Builder> limits = server -> server.maxValueBytes(builder.maxValueBytes)
                .maxKeysPerRequest(builder.maxKeysPerRequest);
        this.serverCustomizer = limits.andThen(builder.serverCustomizer);
        if (master) {
            // Fails at build, not at start, when the chosen protocol is one this master's own server cannot speak.
            ownServerProtocol();
        }
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
        synchronized (startLock) {
            requireNotClosed();
            if (master && server == null) {
                EmbeddedMaster embedded = EmbeddedMaster.start(host, requestedPort, serverLegacyProtocol,
                        serverCustomizer);
                this.port = embedded.port();
                this.server = embedded;
            }
            return this;
        }
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
     */
    public TcpKVStore start() {
        if (started) {
            return this;
        }
        startServer();
        TcpConnectionPool connections;
        synchronized (startLock) {
            requireNotClosed();
            connections = pool;
        }
        if (connections == null) {
            // A master bound to the wildcard address reaches its own server over loopback.
            String connectHost = master && (host.equals("0.0.0.0") || host.equals("::")) ? "127.0.0.1" : host;
            try {
                // Every pooled connection speaks the generation found once here (probing may take a while: unlocked).
                ProtocolGeneration generation = master ? ownServerProtocol() : probeProtocol(connectHost);
                synchronized (startLock) {
                    requireNotClosed();
                    if (pool == null) {
                        protocol = generation;
                        pool = new TcpConnectionPool(connectHost, port, generation, requestTimeout,
                                MAX_IDLE_CONNECTIONS);
                    }
                    connections = pool;
                }
            } catch (RuntimeException e) {
                close(false);
                throw e;
            }
        }
        try {
            // Connect now, so that an unreachable master fails the start rather than the first call.
            connections.release(connections.borrow(connectTimeout));
            if (worldSize != null) {
                register(worldSize, master && waitForWorkers);
            }
            started = true;
            return this;
        } catch (RuntimeException e) {
            close(false);
            throw e;
        }
    }

    private void requireNotClosed() {
        if (isClosed()) {
            throw new IllegalStateException("KVStore " + layout() + " on TCPStore " + host + ":" + port
                    + " is closed");
        }
    }

    /** A master's own server serves {@code MODERN} and its legacy numbering; the store speaks the chosen one. */
    private ProtocolGeneration ownServerProtocol() {
        ProtocolGeneration own = protocolSelection.generation().orElse(ProtocolGeneration.MODERN);
        if (own != ProtocolGeneration.MODERN && own != serverLegacyProtocol) {
            throw new IllegalArgumentException("this master's server speaks MODERN and, to clients without "
                    + "handshake, " + serverLegacyProtocol + "; " + ProtocolProbe.SETTING + " = " + own
                    + " matches neither: use auto");
        }
        return own;
    }

    /**
     * The generation to speak with another master: probed (see {@link ProtocolProbe}) to detect its generation or to
     * check the chosen one before any request.
     */
    private ProtocolGeneration probeProtocol(String connectHost) {
        ProtocolProbe probe = new ProtocolProbe(connectHost, port, connectTimeout, this::isClosed);
        Optional<ProtocolGeneration> chosen = protocolSelection.generation();
        if (chosen.isPresent()) {
            probe.verify(chosen.get());
            log.debug("TCPStore master {}:{} serves the {} protocol chosen by kvstore.tcp.protocol", host, port,
                    chosen.get());
            return chosen.get();
        }
        ProtocolProbe.Finding found = probe.detect();
        log.info("TCPStore master {}:{} speaks the {} protocol ({}), detected by kvstore.tcp.protocol=auto: {}", host,
                port, found.generation(), ProtocolProbe.describe(found.generation()), found.evidence());
        return found.generation();
    }

    /** @return a builder with the defaults of {@code torch.distributed.TCPStore} and the seed's key layout */
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
        return port;
    }

    /**
     * @return the protocol generation this store speaks (with {@link ProtocolSelection#AUTO} the one {@link #start()}
     *     detected; {@code null} before that)
     */
    public ProtocolGeneration protocol() {
        return protocol;
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
        return Optional.ofNullable(server).map(EmbeddedMaster::server);
    }

    // --- world size ----------------------------------------------------------------------------------------------

    /** Adds this process to PyTorch's {@code init/} counter and, for a waiting master, waits for the others. */
    private void register(int worldSize, boolean waitForAll) {
        long joined = withConnection(client -> client.addRaw(TcpStoreClient.INIT_KEY, 1));
        log.debug("Registered with TCPStore {}:{}: {}/{} processes joined", host, port, joined, worldSize);
        if (!waitForAll || joined >= worldSize) {
            return;
        }
        long deadline = System.nanoTime() + workerWaitTimeout.toNanos();
        Backoff backoff = Backoff.polling();
        long[] seen = {joined};
        Progress progress = new Progress(progressInterval,
                "the master waits for " + worldSize + " TCPStore clients", () -> seen[0] + "/" + worldSize + " joined");
        try (Lease lease = new Lease()) {
            while (true) {
                // init/ exists (we added to it), so this WAIT only guards against a reset server; then read it.
                awaitKeys(lease, List.of(TcpStoreClient.INIT_KEY), deadline, progress);
                long now = parseCounter(lease.client().getRaw(TcpStoreClient.INIT_KEY));
                if (now >= worldSize) {
                    log.info("All {} TCPStore clients joined {}:{}", worldSize, host, port);
                    return;
                }
                if (now != seen[0]) {
                    seen[0] = now;
                    backoff.reset();
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new KVStoreTimeoutException("Timed out after " + seconds(workerWaitTimeout)
                            + " seconds waiting for clients. " + now + "/" + worldSize + " clients joined.");
                }
                progress.maybeLog();
                backoff.sleep(deadline);
            }
        }
    }

    private static long parseCounter(byte[] value) {
        try {
            return Long.parseLong(new String(value, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            throw new KVStoreException("the TCPStore worker counter 'init/' holds '" + TcpStoreClient.printable(value)
                    + "', not a decimal number", e);
        }
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
        try (Lease lease = new Lease()) {
            return readIfPresent(lease, fullKey);
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
            if (current.isPresent() && !isDecimal(current.get())) {
                throw new KVStoreException("cannot add to key '" + fullKey + "': it holds '"
                        + TcpStoreClient.printable(current.get()) + "', not a decimal number", e);
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

    private static boolean isDecimal(byte[] value) {
        try {
            Long.parseLong(new String(value, StandardCharsets.UTF_8));
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    protected boolean doCompareAndSet(String fullKey, byte[] expected, byte[] desired) {
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
        long deadline = deadline(waitTimeout);
        Progress progress = new Progress(progressInterval, "waitForKey '" + fullKey + "'",
                () -> "the key does not exist yet");
        try (Lease lease = new Lease()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forKey(fullKey, waitTimeout);
                }
                Optional<byte[]> value = readIfPresent(lease, fullKey);
                if (value.isPresent()) {
                    return value.get();
                }
                // Deleted between WAIT and GET: wait again within the same deadline.
            }
        }
    }

    @Override
    protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration waitTimeout) {
        long deadline = deadline(waitTimeout);
        Backoff backoff = Backoff.polling();
        byte[][] last = {null};
        Progress progress = new Progress(progressInterval,
                "waitForValue '" + fullKey + "' = '" + TcpStoreClient.printable(expected) + "'",
                () -> last[0] == null ? "the key does not exist"
                        : "it holds '" + TcpStoreClient.printable(last[0]) + "'");
        try (Lease lease = new Lease()) {
            while (true) {
                if (!awaitKeys(lease, List.of(TcpStoreClient.wireKey(fullKey)), deadline, progress)) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, null, waitTimeout);
                }
                byte[] value = readIfPresent(lease, fullKey).orElse(null);
                if (value != null && Arrays.equals(value, expected)) {
                    return value;
                }
                if (!Arrays.equals(value, last[0])) {
                    backoff.reset();
                }
                last[0] = value;
                if (System.nanoTime() - deadline >= 0) {
                    throw KVStoreTimeoutException.forValue(fullKey, expected, value, waitTimeout);
                }
                progress.maybeLog();
                // TCPStore cannot block on a value change: poll, backing off while nothing changes.
                backoff.sleep(deadline);
            }
        }
    }

    @Override
    protected List<String> doWaitForKeys(KeyLayout keyLayout, KeyPattern pattern, int expectedCount, byte[] value,
            Duration waitTimeout, List<String> candidateKeys) {
        if (candidateKeys == null) {
            throw new IllegalArgumentException("TCPStore cannot list keys: waitForKeys needs candidateKeys, the keys "
                    + "that may match '" + pattern + "' (for example one per rank)");
        }
        List<String> candidates = new ArrayList<>(new LinkedHashSet<>(candidateKeys));
        if (candidates.size() < expectedCount) {
            throw new IllegalArgumentException("waitForKeys expects " + expectedCount + " keys matching '" + pattern
                    + "' but only " + candidates.size() + " candidate keys match it: " + candidates);
        }
        List<String> fullKeys = candidates.stream().map(keyLayout::fullKey).toList();
        List<String> wireKeys = fullKeys.stream().map(TcpStoreClient::wireKey).toList();
        boolean allNeeded = expectedCount == candidates.size();
        long deadline = deadline(waitTimeout);
        Backoff backoff = Backoff.polling();
        KeysState[] last = {null};
        try (Lease lease = new Lease()) {
            Progress progress = new Progress(progressInterval, "waitForKeys '" + keyLayout.componentPrefix() + pattern
                    + "' (" + expectedCount + " of " + candidates.size() + " candidates)", () -> {
                        KeysState state = readKeys(lease, candidates, fullKeys, value); // fresh, once per interval
                        return state.matched.size() + " matched; missing candidates: " + state.missing;
                    });
            while (true) {
                // WAIT blocks on the server until all keys exist: usable when every candidate is needed.
                if (allNeeded && !awaitKeys(lease, wireKeys, deadline, progress)) {
                    KeysState state = readKeys(lease, candidates, fullKeys, value);
                    if (state.matched.size() >= expectedCount) {
                        return state.matched;
                    }
                    throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value, expectedCount,
                            state.matched, state.missing, waitTimeout);
                }
                KeysState state = readKeys(lease, candidates, fullKeys, value);
                if (state.matched.size() >= expectedCount) {
                    return state.matched;
                }
                if (last[0] == null || !state.matched.equals(last[0].matched)) {
                    backoff.reset();
                }
                last[0] = state;
                if (System.nanoTime() - deadline >= 0) {
                    throw KVStoreTimeoutException.forKeys(keyLayout.componentPrefix(), pattern, value, expectedCount,
                            state.matched, state.missing, waitTimeout);
                }
                progress.maybeLog();
                backoff.sleep(deadline);
            }
        }
    }

    /** Which candidates match now (relative keys) and which do not. */
    private record KeysState(List<String> matched, List<String> missing) {
    }

    private KeysState readKeys(Lease lease, List<String> candidates, List<String> fullKeys, byte[] value) {
        List<byte[]> values = value == null ? null : readAllAtOnce(lease, fullKeys);
        List<String> matched = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            boolean matches;
            if (values != null) {
                matches = Arrays.equals(values.get(i), value);
            } else if (value == null) {
                matches = lease.client().check(List.of(fullKeys.get(i)));
            } else {
                matches = readIfPresent(lease, fullKeys.get(i)).map(v -> Arrays.equals(v, value)).orElse(false);
            }
            (matches ? matched : missing).add(candidates.get(i));
        }
        return new KeysState(matched, missing);
    }

    /**
     * MULTI_GETs (of at most {@code maxKeysPerRequest} keys each) when every key exists and the protocol has it;
     * {@code null} to fall back to key by key.
     */
    private List<byte[]> readAllAtOnce(Lease lease, List<String> fullKeys) {
        if (!spoken().wire().supports(Command.MULTI_GET)) {
            return null;
        }
        List<byte[]> values = new ArrayList<>(fullKeys.size());
        for (List<String> part : partition(fullKeys)) {
            if (!lease.client().check(part)) {
                return null;
            }
            try {
                values.addAll(lease.client().multiGet(part));
            } catch (KVStoreConnectionException e) {
                return null; // A key was deleted after CHECK and the server dropped the connection.
            }
        }
        return values;
    }

    /** @return the keys in consecutive runs of at most {@code maxKeysPerRequest} */
    private List<List<String>> partition(List<String> keys) {
        if (keys.size() <= maxKeysPerRequest) {
            return List.of(keys);
        }
        List<List<String>> parts = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += maxKeysPerRequest) {
            parts.add(keys.subList(from, Math.min(keys.size(), from + maxKeysPerRequest)));
        }
        return parts;
    }

    /**
     * Blocks on the server (WAIT) until the keys (wire form) exist, in slices so that progress is logged, and in
     * requests of at most {@code maxKeysPerRequest} keys (a master closes the connection of a longer one).
     *
     * @return whether they all exist; {@code false} once the deadline passed
     */
    private boolean awaitKeys(Lease lease, List<String> wireKeys, long deadline, Progress progress) {
        for (List<String> part : partition(wireKeys)) {
            if (!awaitAll(lease, part, deadline, progress)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #awaitKeys} for keys that fit one request. */
    private boolean awaitAll(Lease lease, List<String> wireKeys, long deadline, Progress progress) {
        while (true) {
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos < 1_000_000) {
                return lease.client().checkRaw(wireKeys);
            }
            Duration slice = Duration.ofNanos(Math.max(1_000_000, Math.min(leftNanos, progress.nanosToNextLog())));
            TcpStoreClient client = lease.client(); // outside the try: failing to connect is not a slice timeout
            try {
                client.waitRaw(wireKeys, slice);
                return true;
            } catch (KVStoreTimeoutException e) {
                // A slice ended (LEGACY closed the connection; the lease reconnects): log progress, go on.
                progress.maybeLog();
            }
        }
    }

    /**
     * GET after CHECK. The PyTorch master drops the connection on GET of a missing key: a key deleted between the
     * CHECK and the GET reads as absent, never as an empty value.
     */
    private Optional<byte[]> readIfPresent(Lease lease, String fullKey) {
        String wire = TcpStoreClient.wireKey(fullKey);
        KVStoreConnectionException failure = null;
        for (int attempt = 0; attempt < GET_ATTEMPTS; attempt++) {
            if (!lease.client().checkRaw(List.of(wire))) {
                return Optional.empty();
            }
            try {
                byte[] value = lease.client().getRaw(wire);
                if (value.length == 0 && !lease.client().checkRaw(List.of(wire))) {
                    return Optional.empty(); // A server that answers GET of a missing key with no bytes.
                }
                return Optional.of(value);
            } catch (KVStoreConnectionException e) {
                failure = e;
            }
        }
        throw failure;
    }

    // --- listing -------------------------------------------------------------------------------------------------

    /**
     * LIST_KEYS, streamed through a bounded {@link KeyPage.Collector}: the Java master and PyTorch 2.10+ masters
     * have it, with the MODERN protocol. An older master drops the connection on the unknown opcode; that is told
     * apart from a lost master by asking it for its key count on a new connection.
     */
    @Override
    protected KeyPage doListKeys(KeyLayout keyLayout, String prefix, String continueAfter, int limit) {
        String unsupported = "TCPStore cannot list keys here: LIST_KEYS needs a master that has it (the Java "
                + "TcpStoreServer or PyTorch 2.10+) and the MODERN protocol";
        if (!spoken().wire().supports(Command.LIST_KEYS)) {
            throw new UnsupportedOperationException(unsupported + "; this store speaks " + protocol);
        }
        String wirePrefix = TcpStoreClient.wireKey(keyLayout.componentPrefix()) + prefix;
        int relativeStart = wirePrefix.length() - prefix.length();
        KeyPage.Collector page = new KeyPage.Collector(continueAfter, limit);
        try {
            withConnection(client -> {
                client.streamWireKeys(wire -> {
                    if (wire.startsWith(wirePrefix)) {
                        page.offer(wire.substring(relativeStart));
                    }
                });
                return null;
            });
        } catch (KVStoreConnectionException e) {
            try {
                withConnection(TcpStoreClient::numKeys);
            } catch (RuntimeException stillDown) {
                throw e; // the master is gone, not just missing LIST_KEYS
            }
            throw new UnsupportedOperationException(unsupported + "; the master at " + host + ":" + port
                    + " closed the connection on LIST_KEYS (PyTorch before 2.10)", e);
        }
        return page.page();
    }

    // --- locks ---------------------------------------------------------------------------------------------------

    /** Compare-and-set with an owner token; a crashed holder's lock stays until its owner key is deleted. */
    @Override
    protected KVLock newLock(KVStore view, KeyLayout keyLayout, String name) {
        return new ThreadReentrantLock(name, new CompareAndSetLock(view, name));
    }

    // --- leases --------------------------------------------------------------------------------------------------

    private static final String NO_LEASES = "TCPStore has no leases or ephemeral keys: the master (a torch master "
            + "in particular) cannot tell that a process died, so its keys stay until deleted; use the etcd backend "
            + "for keys that must vanish with their owner";

    @Override
    protected void doSetEphemeral(String fullKey, byte[] value) {
        throw new UnsupportedOperationException(NO_LEASES);
    }

    @Override
    public void onLeaseLoss(Consumer<String> listener) {
        throw new UnsupportedOperationException(NO_LEASES);
    }

    /** TCPStore has no prefix watch; see docs/recipes.md. */
    @Override
    protected KVWatch doWatch(KeyLayout keyLayout, String prefix, KVWatch.Listener listener) {
        throw new UnsupportedOperationException("TCPStore cannot watch keys: its protocol has no subscription to "
                + "changes under a prefix (PyTorch 1.13's WATCH_KEY watches single keys on a legacy callback "
                + "connection, and the Java master would need server changes); use the etcd backend for watches");
    }

    // --- close ---------------------------------------------------------------------------------------------------

    @Override
    protected void doClose(boolean cleanup) {
        try {
            if (cleanup) {
                deleteNamespace();
            }
        } finally {
            synchronized (startLock) {
                if (pool != null) {
                    pool.close();
                }
            }
            closeServer();
        }
    }

    private void deleteNamespace() {
        String where = master ? " They go away with this master's server, which closes now."
                : " They stay on the master until it exits.";
        ProtocolGeneration spoken = protocol;
        if (spoken == null) {
            log.info("TCPStore {}:{} was never started: the keys of namespace '{}' were not deleted.{}", host, port,
                    namespace(), where);
            return;
        }
        if (!spoken.wire().supports(Command.LIST_KEYS)) {
            log.info("TCPStore cannot enumerate keys with the {} protocol: the keys of namespace '{}' were not "
                    + "deleted.{}", spoken, namespace(), where);
            return;
        }
        String prefix = layout().namespacePrefix();
        try (Lease lease = new Lease()) {
            int deleted = 0;
            for (String key : lease.client().listKeys()) {
                if (key.startsWith(prefix) && lease.client().deleteKey(key)) {
                    deleted++;
                }
            }
            log.debug("Deleted {} keys of namespace '{}' from TCPStore {}:{}", deleted, namespace(), host, port);
        } catch (KVStoreConnectionException e) {
            log.info("The TCPStore master {}:{} cannot list keys (LIST_KEYS needs PyTorch 2.10+ or the Java "
                    + "server): the keys of namespace '{}' were not deleted.{}", host, port, namespace(), where);
        }
    }

    private void closeServer() {
        if (server != null) {
            try {
                server.close();
            } catch (Exception e) {
                log.warn("Closing the embedded TCPStore server {}:{} failed", host, port, e);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private <T> T withConnection(java.util.function.Function<TcpStoreClient, T> operation) {
        TcpConnectionPool connections = pool();
        TcpStoreClient client = connections.borrow();
        try {
            return operation.apply(client);
        } finally {
            connections.release(client);
        }
    }

    /** @return the generation the connections speak (set with them: before {@link #start()} there is none) */
    private ProtocolGeneration spoken() {
        pool(); // fails clearly when closed or not started
        return protocol;
    }

    /** @return the connections; before {@link #start()} there are none */
    private TcpConnectionPool pool() {
        TcpConnectionPool connections = pool;
        if (connections == null) {
            requireNotClosed();
            throw new IllegalStateException("TCPStore " + host + ":" + port + " is not started: call start()");
        }
        return connections;
    }

    private static long deadline(Duration timeout) {
        long nanos = timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE / 4 : timeout.toNanos();
        return System.nanoTime() + nanos;
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
    }

    /** A connection held for the length of one operation; replaced transparently when it was closed. */
    private final class Lease implements AutoCloseable {

        private TcpStoreClient client;

        TcpStoreClient client() {
            if (client == null || !client.isOpen()) {
                if (client != null) {
                    pool().release(client);
                    client = null;
                }
                client = pool().borrow();
            }
            return client;
        }

        @Override
        public void close() {
            if (client != null) {
                pool().release(client);
                client = null;
            }
        }
    }

    /** Logs what a long wait still misses: at DEBUG when it starts, then every interval (30 s) at INFO. */
    private static final class Progress {

        private final String what;
        private final Supplier<String> state;
        private final long start = System.nanoTime();
        private final Duration interval;
        private long nextLog;

        Progress(Duration interval, String what, Supplier<String> state) {
            this.interval = interval;
            this.what = what;
            this.state = state;
            this.nextLog = start + interval.toNanos();
            log.debug("Waiting: {}", what);
        }

        long nanosToNextLog() {
            return Math.max(1_000_000, nextLog - System.nanoTime());
        }

        void maybeLog() {
            long now = System.nanoTime();
            if (now - nextLog < 0) {
                return;
            }
            nextLog = now + interval.toNanos();
            String current;
            try {
                current = state.get();
            } catch (RuntimeException e) {
                current = "state unknown (" + e.getMessage() + ")";
            }
            log.info("Still waiting after {} s: {}: {}", Duration.ofNanos(now - start).toSeconds(), what, current);
        }
    }

    /** Bounded exponential backoff for what the protocol cannot block on: 1 ms doubling up to 64 ms. */
    private static final class Backoff {

        private static final long FIRST_NANOS = 1_000_000;
        private static final long MAX_NANOS = 64_000_000;
        private long next = FIRST_NANOS;

        static Backoff polling() {
            return new Backoff();
        }

        void reset() {
            next = FIRST_NANOS;
        }

        /** Sleeps the current step (never past the deadline) and doubles it. */
        void sleep(long deadline) {
            long nanos = Math.min(next, Math.max(0, deadline - System.nanoTime()));
            next = Math.min(next * 2, MAX_NANOS);
            if (nanos <= 0) {
                return;
            }
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreException("interrupted while waiting on the TCPStore", e);
            }
        }
    }

    /** Builds a {@link TcpKVStore}; every setter has a default. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 29500;
        private Integer worldSize;
        private boolean master;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration workerWaitTimeout = DEFAULT_WORKER_WAIT_TIMEOUT;
        private boolean waitForWorkers = true;
        private String namespace = "default";
        private String component = "tensorbus";
        private ProtocolSelection protocol = ProtocolSelection.AUTO;
        private ProtocolGeneration serverLegacyProtocol = ProtocolGeneration.LEGACY;
        private Consumer<TcpStoreServer.Builder> serverCustomizer = server -> { };
        private Duration progressInterval = PROGRESS_INTERVAL;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        private int maxKeysPerRequest = DEFAULT_MAX_KEYS_PER_REQUEST;

        private Builder() {
        }

        /** Host of the master: where clients connect, and the address the master's server binds to. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port of the master (default 29500, torchrun's default); 0 lets a master pick a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Number of processes of the job, master included. When set, every instance registers on the
         * {@code init/} counter as PyTorch does, and a master with {@link #waitForWorkers(boolean)} waits for all.
         * {@code null} (the default) registers nothing.
         */
        public Builder worldSize(Integer worldSize) {
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
         * Sets the connect, request and worker wait timeouts to one value, as PyTorch's single store timeout does.
         *
         * @deprecated each timeout means one thing: use {@link #connectTimeout(Duration)},
         *     {@link #requestTimeout(Duration)} and {@link #workerWaitTimeout(Duration)}
         */
        @Deprecated
        public Builder timeout(Duration timeout) {
            Duration value = positive("timeout", timeout);
            this.connectTimeout = value;
            this.requestTimeout = value;
            this.workerWaitTimeout = value;
            return this;
        }

        /**
         * Bound of connecting to the master at {@link TcpKVStore#start()}, retried with backoff while it refuses
         * (default 300 s, PyTorch's store timeout: the master may start later).
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /**
         * Bound of one request: its reply and, when no idle connection is left, reconnecting for it (default 30 s).
         * Waits and barriers take their own timeouts.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive("requestTimeout", requestTimeout);
            return this;
        }

        /** Bound of a waiting master's rendezvous: all {@code worldSize} processes registered (default 300 s). */
        public Builder workerWaitTimeout(Duration workerWaitTimeout) {
            this.workerWaitTimeout = positive("workerWaitTimeout", workerWaitTimeout);
            return this;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        /** Whether the master blocks at construction until {@code worldSize} processes registered (default true). */
        public Builder waitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /**
         * The protocol generation of the master this client talks to. {@link #build()} checks it against the master
         * first (without disturbing it) and fails within seconds if the master does not serve it.
         * Same as {@code protocol(ProtocolSelection.of(protocol))}.
         */
        public Builder protocol(ProtocolGeneration protocol) {
            return protocol(ProtocolSelection.of(protocol));
        }

        /**
         * How to pick the protocol generation: {@link ProtocolSelection#AUTO} (the default) detects the master's at
         * build and logs it at INFO; the others name it and are checked like {@link #protocol(ProtocolGeneration)}.
         */
        public Builder protocol(ProtocolSelection protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * For a master: the numbering its server uses for clients that send no VALIDATE handshake
         * ({@link ProtocolGeneration#LEGACY} for torch 1.13/2.0, the default, or {@link ProtocolGeneration#V2_1}).
         */
        public Builder serverLegacyProtocol(ProtocolGeneration serverLegacyProtocol) {
            if (serverLegacyProtocol == ProtocolGeneration.MODERN) {
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
