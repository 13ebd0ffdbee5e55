package dev.kvstore.tcp;

import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link TcpKVStore.Builder}, every one with a default: the setters users call, kept apart from the
 * store so that the store reads as what it does. Only {@link TcpKVStore.Builder} extends it.
 */
abstract class TcpKVStoreSettings {

    String host = "127.0.0.1";
    int port = 29500;
    @Nullable Integer worldSize;
    boolean master;
    Duration connectTimeout = TcpKVStore.DEFAULT_CONNECT_TIMEOUT;
    Duration requestTimeout = TcpKVStore.DEFAULT_REQUEST_TIMEOUT;
    Duration workerWaitTimeout = TcpKVStore.DEFAULT_WORKER_WAIT_TIMEOUT;
    boolean waitForWorkers = true;
    String namespace = "default";
    String component = "tensorbus";
    ProtocolSelection protocol = ProtocolSelection.AUTO;
    ProtocolGeneration serverLegacyProtocol = ProtocolGeneration.LEGACY;
    Consumer<TcpStoreServer.Builder> serverCustomizer = server -> { };
    Duration progressInterval = TcpKVStore.PROGRESS_INTERVAL;
    int maxValueBytes = TcpKVStore.DEFAULT_MAX_VALUE_BYTES;
    int maxKeysPerRequest = TcpKVStore.DEFAULT_MAX_KEYS_PER_REQUEST;

    /** Host of the master: where clients connect, and the address the master's server binds to. */
    public TcpKVStore.Builder host(String host) {
        this.host = Objects.requireNonNull(host, "host");
        return self();
    }

    /** Port of the master (default 29500, torchrun's default); 0 lets a master pick a free port. */
    public TcpKVStore.Builder port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        this.port = port;
        return self();
    }

    /**
     * Number of processes of the job, master included. When set, every instance registers on the
     * {@code init/} counter as PyTorch does, and a master with {@link #waitForWorkers(boolean)} waits for all.
     * {@code null} (the default) registers nothing.
     */
    public TcpKVStore.Builder worldSize(@Nullable Integer worldSize) {
        if (worldSize != null && worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
        }
        this.worldSize = worldSize;
        return self();
    }

    /** Whether this instance hosts the TCPStore server (rank 0). */
    public TcpKVStore.Builder master(boolean master) {
        this.master = master;
        return self();
    }

    /**
     * Sets the connect, request and worker wait timeouts to one value, as PyTorch's single store timeout does.
     *
     * @deprecated each timeout means one thing: use {@link #connectTimeout(Duration)},
     *     {@link #requestTimeout(Duration)} and {@link #workerWaitTimeout(Duration)}
     */
    @Deprecated
    public TcpKVStore.Builder timeout(Duration timeout) {
        Duration value = positive("timeout", timeout);
        this.connectTimeout = value;
        this.requestTimeout = value;
        this.workerWaitTimeout = value;
        return self();
    }

    /**
     * Bound of connecting to the master at {@link TcpKVStore#start()}, retried with backoff while it refuses
     * (default 300 s, PyTorch's store timeout: the master may start later).
     */
    public TcpKVStore.Builder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = positive("connectTimeout", connectTimeout);
        return self();
    }

    /**
     * Bound of one request: its reply and, when no idle connection is left, reconnecting for it (default 30 s).
     * Waits and barriers take their own timeouts.
     */
    public TcpKVStore.Builder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = positive("requestTimeout", requestTimeout);
        return self();
    }

    /** Bound of a waiting master's rendezvous: all {@code worldSize} processes registered (default 300 s). */
    public TcpKVStore.Builder workerWaitTimeout(Duration workerWaitTimeout) {
        this.workerWaitTimeout = positive("workerWaitTimeout", workerWaitTimeout);
        return self();
    }

    private static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    /** Whether the master blocks at construction until {@code worldSize} processes registered (default true). */
    public TcpKVStore.Builder waitForWorkers(boolean waitForWorkers) {
        this.waitForWorkers = waitForWorkers;
        return self();
    }

    /** The namespace: the first part of every key, {@code {namespace}/{component}/{key}} (default "default"). */
    public TcpKVStore.Builder namespace(String namespace) {
        this.namespace = namespace;
        return self();
    }

    /** The component: the second part of every key (default "tensorbus"). */
    public TcpKVStore.Builder component(String component) {
        this.component = component;
        return self();
    }

    /**
     * The protocol generation of the master this client talks to. {@link TcpKVStore.Builder#build()} checks it
     * against the master first (without disturbing it) and fails within seconds if the master does not serve it.
     * Same as {@code protocol(ProtocolSelection.of(protocol))}.
     */
    public TcpKVStore.Builder protocol(ProtocolGeneration protocol) {
        return protocol(ProtocolSelection.of(protocol));
    }

    /**
     * How to pick the protocol generation: {@link ProtocolSelection#AUTO} (the default) detects the master's at
     * build and logs it at INFO; the others name it and are checked like {@link #protocol(ProtocolGeneration)}.
     */
    public TcpKVStore.Builder protocol(ProtocolSelection protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return self();
    }

    /**
     * For a master: the numbering its server uses for clients that send no VALIDATE handshake
     * ({@link ProtocolGeneration#LEGACY} for torch 1.13/2.0, the default, or {@link ProtocolGeneration#V2_1}).
     */
    public TcpKVStore.Builder serverLegacyProtocol(ProtocolGeneration serverLegacyProtocol) {
        if (serverLegacyProtocol == ProtocolGeneration.MODERN) {
            throw new IllegalArgumentException("serverLegacyProtocol must be LEGACY or V2_1");
        }
        this.serverLegacyProtocol = Objects.requireNonNull(serverLegacyProtocol, "serverLegacyProtocol");
        return self();
    }

    /**
     * For a master: adjusts its embedded {@link TcpStoreServer} before it starts, typically its limits
     * ({@code server -> server.maxValueBytes(1 << 20).maxStoreBytes(256L << 20)}). Host, port and legacy protocol
     * are always this builder's. Calls compose: each customizer runs after the earlier ones, so one that changes a
     * single limit keeps the others.
     */
    public TcpKVStore.Builder server(Consumer<TcpStoreServer.Builder> serverCustomizer) {
        Objects.requireNonNull(serverCustomizer, "serverCustomizer");
        this.serverCustomizer = this.serverCustomizer.andThen(serverCustomizer);
        return self();
    }

    /**
     * Longest value this store sends (default 8 MiB, the limit of PyTorch's libuv server and of the Java
     * server): a longer {@code set} or {@code compareAndSet} fails with
     * {@link dev.kvstore.api.KVStoreLimitException} before anything is sent. Set it to the master's limit; a
     * master applies it to its own server too.
     */
    public TcpKVStore.Builder maxValueBytes(int maxValueBytes) {
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("maxValueBytes must be positive, got " + maxValueBytes);
        }
        this.maxValueBytes = maxValueBytes;
        return self();
    }

    /**
     * Most keys this store puts in one WAIT, CHECK or MULTI_GET (default 131072, the limit of PyTorch's libuv
     * server and of the Java server): {@code waitForKeys} with more candidates splits its requests. Set it to
     * the master's limit; a master applies it to its own server too.
     */
    public TcpKVStore.Builder maxKeysPerRequest(int maxKeysPerRequest) {
        if (maxKeysPerRequest < 1) {
            throw new IllegalArgumentException("maxKeysPerRequest must be positive, got " + maxKeysPerRequest);
        }
        this.maxKeysPerRequest = maxKeysPerRequest;
        return self();
    }

    /** How often long waits log progress (default 30 s); package-private for tests. */
    TcpKVStore.Builder progressInterval(Duration progressInterval) {
        this.progressInterval = Objects.requireNonNull(progressInterval, "progressInterval");
        return self();
    }

    /** @return the builder itself, for chaining */
    abstract TcpKVStore.Builder self();
}
