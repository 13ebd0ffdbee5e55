package dev.kvstore.spring.autoconfigure;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the auto-configured {@link dev.kvstore.api.KVStore} ({@code kvstore.*}).
 *
 * <p>With no setting at all, the store is a TCPStore master on {@code 127.0.0.1:29500} with no world size, so a
 * single application runs without any external server. Settings left unset fall back to the torchrun environment
 * ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}) where it is set.
 *
 * <p>The values are checked where they are mapped to the store builders (one rule, in the builder); a rejected value
 * fails startup naming its property.
 */
@ConfigurationProperties("kvstore")
public class KVStoreProperties {

    /**
     * Backend of the store: "tcp" (PyTorch c10d TCPStore protocol; the default, needs no external server when this
     * process is the master) or "etcd" (needs io.etcd:jetcd-core on the classpath).
     */
    private Backend backend = Backend.TCP;

    /** Namespace of every key, the first segment of "{namespace}/{component}/{key}"; isolates jobs. */
    private String namespace = "default";

    /** Component of the injected store, the second segment of every key; isolates subsystems within a job. */
    private String component = "tensorbus";

    /**
     * Rank of this process in the job. Defaults to the RANK environment variable (set by torchrun), else 0. Only
     * rank 0 performs cleanup and, by default, hosts the TCPStore master.
     */
    private @Nullable Integer rank;

    /**
     * Whether rank 0 deletes this namespace's keys: with etcd at startup (stale keys of a previous run) and on
     * shutdown. Ignored (with a log line) on every other rank.
     */
    private boolean cleanup;

    private final Tcp tcp = new Tcp();

    private final Etcd etcd = new Etcd();

    private final Integration integration = new Integration();

    public Backend getBackend() {
        return this.backend;
    }

    public void setBackend(Backend backend) {
        this.backend = backend;
    }

    public String getNamespace() {
        return this.namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public String getComponent() {
        return this.component;
    }

    public void setComponent(String component) {
        this.component = component;
    }

    public @Nullable Integer getRank() {
        return this.rank;
    }

    public void setRank(@Nullable Integer rank) {
        this.rank = rank;
    }

    public boolean isCleanup() {
        return this.cleanup;
    }

    public void setCleanup(boolean cleanup) {
        this.cleanup = cleanup;
    }

    public Tcp getTcp() {
        return this.tcp;
    }

    public Etcd getEtcd() {
        return this.etcd;
    }

    public Integration getIntegration() {
        return this.integration;
    }

    /** Spring Integration over the store ({@code kvstore.integration.*}); used when spring-integration-core is present. */
    public static class Integration {

        private final Leader leader = new Leader();

        public Leader getLeader() {
            return this.leader;
        }

        /**
         * Leader election ({@code kvstore.integration.leader.*}): a Spring Integration
         * {@code LockRegistryLeaderInitiator} over the store's lock registry, publishing {@code OnGrantedEvent} and
         * {@code OnRevokedEvent}.
         */
        public static class Leader {

            /**
             * Whether to start a LockRegistryLeaderInitiator campaigning for the role among every process of the
             * store's namespace and component; it publishes OnGrantedEvent and OnRevokedEvent.
             */
            private boolean enabled;

            /** Role campaigned for; also the name of the lock that the leader holds (keys under "locks/{role}/"). */
            private String role = "leader";

            public boolean isEnabled() {
                return this.enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public String getRole() {
                return this.role;
            }

            public void setRole(String role) {
                this.role = role;
            }
        }
    }

    /** The backends of the auto-configured store. */
    public enum Backend {

        /** PyTorch c10d TCPStore protocol ({@link dev.kvstore.tcp.TcpKVStore}). */
        TCP,

        /** etcd v3 ({@link dev.kvstore.etcd.EtcdKVStore}, needs jetcd). */
        ETCD

    }

    /** TCPStore connection ({@code kvstore.tcp.*}). */
    public static class Tcp {

        /**
         * Host of the TCPStore master: where clients connect and the address the master binds to. Defaults to the
         * MASTER_ADDR environment variable, else 127.0.0.1.
         */
        private @Nullable String host;

        /**
         * Port of the TCPStore master. Defaults to the MASTER_PORT environment variable, else 29500; 0 lets a master
         * pick a free port.
         */
        private @Nullable Integer port;

        /**
         * Number of processes in the job, master included. Defaults to the WORLD_SIZE environment variable, else
         * unset: nobody registers and the master waits for no workers.
         */
        private @Nullable Integer worldSize;

        /** Whether this process hosts the TCPStore master. Defaults to true on rank 0, false elsewhere. */
        private @Nullable Boolean master;

        /**
         * Bound of connecting to the master at startup, retried with backoff while it refuses connections (it may
         * start later).
         */
        private Duration connectTimeout = Duration.ofSeconds(300);

        /**
         * Bound of one request: its reply and, with the master gone, reconnecting for it. Waits and barriers have
         * their own timeouts.
         */
        private Duration requestTimeout = Duration.ofSeconds(30);

        /** Bound of a master's rendezvous at startup: all world-size processes registered. */
        private Duration workerWaitTimeout = Duration.ofSeconds(300);

        /** Whether the master blocks at startup until world-size processes have registered (only with a world size). */
        private boolean waitForWorkers = true;

        /**
         * Protocol generation of the master this client talks to: "auto" (detect it when connecting, without
         * disturbing the master), "modern" (PyTorch 2.2 and later, and the Java master), "v2_1" (PyTorch 2.1) or
         * "legacy" (PyTorch 1.13 and 2.0). An explicit generation is checked the same way: a wrong one fails at
         * startup.
         */
        private TcpProtocol protocol = TcpProtocol.AUTO;

        /**
         * For a master: the opcode numbering for clients that send no handshake, "legacy" (PyTorch 1.13 and 2.0) or
         * "v2-1" (PyTorch 2.1). Clients of PyTorch 2.2 and later are recognized by their handshake.
         */
        private TcpProtocol serverLegacyProtocol = TcpProtocol.LEGACY;

        private final Server server = new Server();

        public @Nullable String getHost() {
            return this.host;
        }

        public void setHost(@Nullable String host) {
            this.host = host;
        }

        public @Nullable Integer getPort() {
            return this.port;
        }

        public void setPort(@Nullable Integer port) {
            this.port = port;
        }

        public @Nullable Integer getWorldSize() {
            return this.worldSize;
        }

        public void setWorldSize(@Nullable Integer worldSize) {
            this.worldSize = worldSize;
        }

        public @Nullable Boolean getMaster() {
            return this.master;
        }

        public void setMaster(@Nullable Boolean master) {
            this.master = master;
        }

        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getRequestTimeout() {
            return this.requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public Duration getWorkerWaitTimeout() {
            return this.workerWaitTimeout;
        }

        public void setWorkerWaitTimeout(Duration workerWaitTimeout) {
            this.workerWaitTimeout = workerWaitTimeout;
        }

        public boolean isWaitForWorkers() {
            return this.waitForWorkers;
        }

        public void setWaitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
        }

        public TcpProtocol getProtocol() {
            return this.protocol;
        }

        public void setProtocol(TcpProtocol protocol) {
            this.protocol = protocol;
        }

        public TcpProtocol getServerLegacyProtocol() {
            return this.serverLegacyProtocol;
        }

        public void setServerLegacyProtocol(TcpProtocol serverLegacyProtocol) {
            this.serverLegacyProtocol = serverLegacyProtocol;
        }

        public Server getServer() {
            return this.server;
        }

        /**
         * The embedded TCPStore server of a master ({@code kvstore.tcp.server.*}): where it keeps the keys, and its
         * limits; past a limit the server closes the offending connection and stores nothing.
         */
        public static class Server {

            /**
             * Where the master keeps the keys: "memory" or "etcd" (a gateway: the etcd connection from
             * kvstore.etcd.*, the keys under etcd-prefix followed by the namespace and "/").
             */
            private Store store = Store.MEMORY;

            /**
             * etcd key prefix of a gateway's keys (store=etcd): the keys of namespace N live under
             * "{etcd-prefix}N/". Every gateway of one job needs the same prefix and namespace.
             */
            private String etcdPrefix = "kvstore-tcpstore/";

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

            /**
             * Connections the kernel queues for the master before it accepts them, for many ranks connecting at
             * once; the kernel caps it at net.core.somaxconn.
             */
            private int backlog = 65535;

            /** Most bytes of one request, and of one connection's pending waits and watches. */
            private DataSize maxRequestSize = DataSize.ofMegabytes(64);

            /** Most bytes of keys and values the master holds over all clients; size the heap above it. */
            private DataSize maxStoreSize = DataSize.ofGigabytes(1);

            /** Most keys the master holds over all clients (keys with a value and keys with a queue). */
            private long maxKeys = 10_000_000;

            /**
             * Most bytes the master holds in partly received requests over all clients (buffers grow with the bytes
             * that arrived); past it the connection holding the most is closed. Size the heap above max-store-size
             * plus this.
             */
            private DataSize maxPendingSize = DataSize.ofMegabytes(256);

            /**
             * Most bytes the master holds for its clients (unread replies, watch backlogs and initial states, partly
             * received requests) and for its stored keys at their heap cost; past it the connection with the most
             * unread replies is closed, and a write is dropped like one past max-store-size. Default: half the heap.
             */
            private @Nullable DataSize maxMemorySize;

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

            public Store getStore() {
                return this.store;
            }

            public void setStore(Store store) {
                this.store = store;
            }

            public String getEtcdPrefix() {
                return this.etcdPrefix;
            }

            public void setEtcdPrefix(String etcdPrefix) {
                this.etcdPrefix = etcdPrefix;
            }

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

            public int getBacklog() {
                return this.backlog;
            }

            public void setBacklog(int backlog) {
                this.backlog = backlog;
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

            public long getMaxKeys() {
                return this.maxKeys;
            }

            public void setMaxKeys(long maxKeys) {
                this.maxKeys = maxKeys;
            }

            public DataSize getMaxPendingSize() {
                return this.maxPendingSize;
            }

            public void setMaxPendingSize(DataSize maxPendingSize) {
                this.maxPendingSize = maxPendingSize;
            }

            public @Nullable DataSize getMaxMemorySize() {
                return this.maxMemorySize;
            }

            public void setMaxMemorySize(@Nullable DataSize maxMemorySize) {
                this.maxMemorySize = maxMemorySize;
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

            public Duration getStallThreshold() {
                return this.stallThreshold;
            }

            public void setStallThreshold(Duration stallThreshold) {
                this.stallThreshold = stallThreshold;
            }

            /** Where a master keeps the keys. */
            public enum Store {

                /** In the master's memory: fastest, gone with the process. */
                MEMORY,

                /**
                 * In etcd (the connection of kvstore.etcd.*): the master is a stateless gateway, several serve one
                 * job and any can die without losing a key.
                 */
                ETCD

            }

        }

    }

    /** etcd connection ({@code kvstore.etcd.*}). */
    public static class Etcd {

        /**
         * Endpoints of the etcd cluster, e.g. "http://10.0.0.1:2379". When empty, one endpoint is built from host and
         * port; "https://" endpoints need TLS (kvstore.etcd.tls.ca-certificate or kvstore.etcd.ssl.bundle).
         */
        private List<String> endpoints = new ArrayList<>();

        /** Host of the etcd server, used when no endpoints are set. */
        private String host = "127.0.0.1";

        /** Client port of the etcd server, used when no endpoints are set. */
        private int port = 2379;

        /** Bound of establishing the connection at startup (the store fails startup if etcd does not answer). */
        private Duration connectTimeout = Duration.ofSeconds(5);

        /** Deadline of every single etcd call; a wait consists of many calls and has its own timeout. */
        private Duration requestTimeout = Duration.ofSeconds(10);

        /** User name for etcd authentication; none by default. */
        private @Nullable String user;

        /** Password for etcd authentication. */
        private @Nullable String password;

        private final Tls tls = new Tls();

        private final Ssl ssl = new Ssl();

        public List<String> getEndpoints() {
            return this.endpoints;
        }

        public void setEndpoints(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        public String getHost() {
            return this.host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return this.port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getRequestTimeout() {
            return this.requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public @Nullable String getUser() {
            return this.user;
        }

        public void setUser(@Nullable String user) {
            this.user = user;
        }

        public @Nullable String getPassword() {
            return this.password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public Tls getTls() {
            return this.tls;
        }

        public Ssl getSsl() {
            return this.ssl;
        }

        /**
         * TLS to etcd from PEM files ({@code kvstore.etcd.tls.*}); TLS is on when a CA certificate is set. Each is a
         * resource location, as Spring Boot's own {@code spring.ssl.bundle.pem.*} locations: a file path (relative to
         * the working directory), or a {@code file:}, {@code classpath:} (also inside a packaged jar) or URL location.
         */
        public static class Tls {

            /**
             * Location of the PEM file of the CA that signed the etcd server's certificate, e.g. "/etc/etcd/ca.pem" or
             * "classpath:etcd/ca.pem"; setting it switches TLS on.
             */
            private @Nullable String caCertificate;

            /** Location of the PEM file of the client certificate for mutual TLS (together with client-key). */
            private @Nullable String clientCertificate;

            /** Location of the PEM file of the client's private key for mutual TLS (with client-certificate). */
            private @Nullable String clientKey;

            public @Nullable String getCaCertificate() {
                return this.caCertificate;
            }

            public void setCaCertificate(@Nullable String caCertificate) {
                this.caCertificate = caCertificate;
            }

            public @Nullable String getClientCertificate() {
                return this.clientCertificate;
            }

            public void setClientCertificate(@Nullable String clientCertificate) {
                this.clientCertificate = clientCertificate;
            }

            public @Nullable String getClientKey() {
                return this.clientKey;
            }

            public void setClientKey(@Nullable String clientKey) {
                this.clientKey = clientKey;
            }

        }

        /**
         * TLS to etcd from a Spring Boot SSL bundle ({@code kvstore.etcd.ssl.*}), instead of the PEM files of
         * {@code kvstore.etcd.tls.*}.
         */
        public static class Ssl {

            /**
             * Name of the SSL bundle (spring.ssl.bundle.pem.* or spring.ssl.bundle.jks.*) with the trust material for
             * the etcd server's certificate and, for mutual TLS, the client's key and certificate. Switches TLS on.
             */
            private @Nullable String bundle;

            public @Nullable String getBundle() {
                return this.bundle;
            }

            public void setBundle(@Nullable String bundle) {
                this.bundle = bundle;
            }

        }

    }

}
