package dev.kvstore.spring.autoconfigure;

import dev.kvstore.tcp.ProtocolGeneration;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration of the auto-configured {@link dev.kvstore.api.KVStore} ({@code kvstore.*}).
 *
 * <p>With no setting at all, the store is a TCPStore master on {@code 127.0.0.1:29500} with no world size, so a
 * single application runs without any external server. Settings left unset fall back to the torchrun environment
 * ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}) where it is set.
 *
 * <p>The properties validate themselves when bound: an invalid value fails the application's startup with a message
 * naming the property.
 */
@ConfigurationProperties("kvstore")
public class KVStoreProperties implements Validator {

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

    private final Etcd etcd = new Etcd();

    private final Tcp tcp = new Tcp();

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

    public Etcd getEtcd() {
        return this.etcd;
    }

    public Tcp getTcp() {
        return this.tcp;
    }

    @Override
    public boolean supports(Class<?> type) {
        return KVStoreProperties.class.isAssignableFrom(type);
    }

    /** Checks the bound values; every error names its property (for example {@code kvstore.tcp.world-size}). */
    @Override
    public void validate(Object target, Errors errors) {
        KVStoreProperties properties = (KVStoreProperties) target;
        if (properties.backend == null) {
            reject(errors, "backend", "required", "must be 'tcp' or 'etcd'");
        }
        validateSegment(errors, "namespace", properties.namespace);
        validateSegment(errors, "component", properties.component);
        if (properties.rank != null && properties.rank < 0) {
            reject(errors, "rank", "range", "must not be negative");
        }
        properties.etcd.validate(errors);
        properties.tcp.validate(errors);
        if (properties.rank != null && properties.tcp.worldSize != null && properties.tcp.worldSize >= 1
                && properties.rank >= properties.tcp.worldSize) {
            reject(errors, "rank", "range", "must be less than kvstore.tcp.world-size ("
                    + properties.tcp.worldSize + ")");
        }
    }

    /** Rejects the field with a message that starts with the property's name, e.g. {@code kvstore.tcp.world-size}. */
    private static void reject(Errors errors, String field, String code, String message) {
        errors.rejectValue(field, code, propertyName(field) + " " + message);
    }

    private static String propertyName(String field) {
        StringBuilder name = new StringBuilder("kvstore.");
        for (char c : field.toCharArray()) {
            if (Character.isUpperCase(c)) {
                name.append('-').append(Character.toLowerCase(c));
            } else {
                name.append(c);
            }
        }
        return name.toString();
    }

    private static void validateSegment(Errors errors, String field, String value) {
        if (value == null || value.isEmpty() || value.indexOf('/') >= 0) {
            reject(errors, field, "invalid", "must be a non-empty string without '/' (keys are "
                    + "{namespace}/{component}/{key})");
        }
    }

    private static void validatePositive(Errors errors, String field, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            reject(errors, field, "range", "must be a positive duration");
        }
    }

    /** The backends of the auto-configured store. */
    public enum Backend {

        /** PyTorch c10d TCPStore protocol ({@link dev.kvstore.tcp.TcpKVStore}). */
        TCP,

        /** etcd v3 ({@link dev.kvstore.etcd.EtcdKVStore}, needs jetcd). */
        ETCD

    }

    /** etcd connection ({@code kvstore.etcd.*}). */
    public static class Etcd {

        /**
         * Endpoints of the etcd cluster, e.g. "http://10.0.0.1:2379". When empty, one endpoint is built from host and
         * port; "https://" endpoints need kvstore.etcd.tls.ca-certificate.
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

        public List<String> getEndpoints() {
            return this.endpoints;
        }

        public void setEndpoints(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        public @Nullable String getHost() {
            return this.host;
        }

        public void setHost(@Nullable String host) {
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

        /** @return the configured endpoints, or the single endpoint {@code http://host:port} if none are set */
        List<String> effectiveEndpoints() {
            if (this.endpoints != null && !this.endpoints.isEmpty()) {
                return List.copyOf(this.endpoints);
            }
            String scheme = (this.tls.caCertificate != null) ? "https" : "http";
            String hostPart = (this.host != null && this.host.contains(":") && !this.host.startsWith("["))
                    ? "[" + this.host + "]" : this.host;
            return List.of(scheme + "://" + hostPart + ":" + this.port);
        }

        void validate(Errors errors) {
            if (this.endpoints != null) {
                for (int i = 0; i < this.endpoints.size(); i++) {
                    String problem = endpointProblem(this.endpoints.get(i));
                    if (problem != null) {
                        reject(errors, "etcd.endpoints[" + i + "]", "invalid", problem);
                    } else if (this.endpoints.get(i).startsWith("https:") && this.tls.caCertificate == null) {
                        reject(errors, "etcd.tls.caCertificate", "required",
                                "is required for the https endpoint " + this.endpoints.get(i));
                    }
                }
            }
            if (this.host == null || this.host.isBlank()) {
                reject(errors, "etcd.host", "required", "must not be empty");
            }
            if (this.port < 1 || this.port > 65535) {
                reject(errors, "etcd.port", "range", "must be in 1..65535");
            }
            validatePositive(errors, "etcd.connectTimeout", this.connectTimeout);
            validatePositive(errors, "etcd.requestTimeout", this.requestTimeout);
            if (this.password != null && this.user == null) {
                reject(errors, "etcd.user", "required", "is required when kvstore.etcd.password is set");
            }
            if ((this.tls.clientCertificate == null) != (this.tls.clientKey == null)) {
                String missing = (this.tls.clientCertificate == null) ? "clientCertificate" : "clientKey";
                reject(errors, "etcd.tls." + missing, "required",
                        "client-certificate and client-key must be set together");
            }
        }

        private static String endpointProblem(String endpoint) {
            if (endpoint == null || endpoint.isBlank()) {
                return "must not be empty";
            }
            try {
                URI uri = new URI(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                    return "must start with http:// or https://, e.g. http://127.0.0.1:2379";
                }
                if (uri.getHost() == null) {
                    return "has no host";
                }
                if (uri.getPort() < 1 || uri.getPort() > 65535) {
                    return "needs a port in 1..65535, e.g. http://127.0.0.1:2379";
                }
                return null;
            } catch (URISyntaxException ex) {
                return "is not a valid URI: " + ex.getMessage();
            }
        }

        /** TLS to etcd ({@code kvstore.etcd.tls.*}); TLS is on when a CA certificate is set. */
        public static class Tls {

            /** PEM file of the CA that signed the etcd server's certificate; setting it switches TLS on. */
            private @Nullable Path caCertificate;

            /** PEM file of the client certificate for mutual TLS (together with client-key). */
            private @Nullable Path clientCertificate;

            /** PKCS#8 PEM file of the client's private key for mutual TLS (together with client-certificate). */
            private @Nullable Path clientKey;

            public @Nullable Path getCaCertificate() {
                return this.caCertificate;
            }

            public void setCaCertificate(@Nullable Path caCertificate) {
                this.caCertificate = caCertificate;
            }

            public @Nullable Path getClientCertificate() {
                return this.clientCertificate;
            }

            public void setClientCertificate(@Nullable Path clientCertificate) {
                this.clientCertificate = clientCertificate;
            }

            public @Nullable Path getClientKey() {
                return this.clientKey;
            }

            public void setClientKey(@Nullable Path clientKey) {
                this.clientKey = clientKey;
            }

        }

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

        /** Bound of connecting to the master, of waiting for workers, and of each request. */
        private Duration timeout = Duration.ofSeconds(300);

        /**
         * Whether the master blocks at startup until world-size processes have registered (only with a world size).
         */
        private boolean waitForWorkers = true;

        /**
         * Protocol generation of the master this client talks to: "modern" (PyTorch 2.2 and later, and the Java
         * master), "v2-1" (PyTorch 2.1) or "legacy" (PyTorch 1.13 and 2.0).
         */
        private ProtocolGeneration protocol = ProtocolGeneration.MODERN;

        /**
         * For a master: the opcode numbering for clients that send no handshake, "legacy" (PyTorch 1.13 and 2.0) or
         * "v2-1" (PyTorch 2.1). Clients of PyTorch 2.2 and later are recognized by their handshake.
         */
        private ProtocolGeneration serverLegacyProtocol = ProtocolGeneration.LEGACY;

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

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public boolean isWaitForWorkers() {
            return this.waitForWorkers;
        }

        public void setWaitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
        }

        public ProtocolGeneration getProtocol() {
            return this.protocol;
        }

        public void setProtocol(ProtocolGeneration protocol) {
            this.protocol = protocol;
        }

        public ProtocolGeneration getServerLegacyProtocol() {
            return this.serverLegacyProtocol;
        }

        public void setServerLegacyProtocol(ProtocolGeneration serverLegacyProtocol) {
            this.serverLegacyProtocol = serverLegacyProtocol;
        }

        public Server getServer() {
            return this.server;
        }

        void validate(Errors errors) {
            this.server.validate(errors);
            if (this.host != null && this.host.isBlank()) {
                reject(errors, "tcp.host", "required", "must not be empty");
            }
            if (this.port != null && (this.port < 0 || this.port > 65535)) {
                reject(errors, "tcp.port", "range", "must be in 0..65535 (0: a master picks a free port)");
            }
            if (this.port != null && this.port == 0 && Boolean.FALSE.equals(this.master)) {
                reject(errors, "tcp.port", "range", "0 is only valid for a master; a client needs the master's port");
            }
            if (this.worldSize != null && this.worldSize < 1) {
                reject(errors, "tcp.worldSize", "range", "must be at least 1");
            }
            validatePositive(errors, "tcp.timeout", this.timeout);
            if (this.protocol == null) {
                reject(errors, "tcp.protocol", "required", "must be modern, v2-1 or legacy");
            }
            if (this.serverLegacyProtocol == null || this.serverLegacyProtocol == ProtocolGeneration.MODERN) {
                reject(errors, "tcp.serverLegacyProtocol", "invalid", "must be legacy or v2-1");
            }
        }


        /**
         * Limits of the embedded TCPStore server of a master ({@code kvstore.tcp.server.*}); past them the server
         * closes the offending connection and stores nothing. They bound the memory one client can make it hold.
         */
        public static class Server {

            /** Longest key the master accepts (PyTorch's libuv server: 8KB). */
            private DataSize maxKeySize = DataSize.ofKilobytes(8);

            /** Longest value the master accepts (PyTorch's libuv server: 8MB). */
            private DataSize maxValueSize = DataSize.ofMegabytes(8);

            /** Most keys in one CHECK, WAIT, MULTI_GET or MULTI_SET request. */
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

            void validate(Errors errors) {
                validateSize(errors, "tcp.server.maxPendingSize", this.maxPendingSize, Long.MAX_VALUE);
                validatePositive(errors, "tcp.server.partialRequestTimeout", this.partialRequestTimeout);
                validateSize(errors, "tcp.server.maxKeySize", this.maxKeySize, Integer.MAX_VALUE);
                validateSize(errors, "tcp.server.maxValueSize", this.maxValueSize, Integer.MAX_VALUE);
                validateSize(errors, "tcp.server.maxRequestSize", this.maxRequestSize, Long.MAX_VALUE);
                validateSize(errors, "tcp.server.maxStoreSize", this.maxStoreSize, Long.MAX_VALUE);
                if (this.maxKeysPerRequest < 1) {
                    reject(errors, "tcp.server.maxKeysPerRequest", "range", "must be at least 1");
                }
            }

            private static void validateSize(Errors errors, String field, DataSize size, long max) {
                if (size == null || size.toBytes() < 1 || size.toBytes() > max) {
                    reject(errors, field, "range", "must be between 1B and " + max + "B");
                }
            }

        }

    }

}
