package dev.kvstore.spring.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration of the auto-configured {@link dev.kvstore.api.KVStore} ({@code kvstore.*}).
 *
 * <p>With no setting at all, the store is a TCPStore master on {@code 127.0.0.1:29500} with no world size, so a
 * single application runs without any external server. Settings left unset fall back to the torchrun environment
 * ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}) where it is set.
 *
 * <p>The store builders validate the values (one rule, one place); the auto-configuration turns their rejections into
 * startup failures naming the property. The properties check only what no builder does.
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
        if (properties.rank != null && properties.rank < 0) {
            reject(errors, "rank", "range", "must not be negative");
        }
        properties.etcd.validate(errors);
        properties.tcp.validate(errors);
    }

    /** Rejects the field with a message that starts with the property's name, e.g. {@code kvstore.tcp.world-size}. */
    static void reject(Errors errors, String field, String code, String message) {
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

    /** The backends of the auto-configured store. */
    public enum Backend {

        /** PyTorch c10d TCPStore protocol ({@link dev.kvstore.tcp.TcpKVStore}). */
        TCP,

        /** etcd v3 ({@link dev.kvstore.etcd.EtcdKVStore}, needs jetcd). */
        ETCD

    }

    /** etcd connection ({@code kvstore.etcd.*}); the settings besides TLS are in the superclass. */
    public static class Etcd extends EtcdProperties {

        private final Tls tls = new Tls();

        private final Ssl ssl = new Ssl();

        public Tls getTls() {
            return this.tls;
        }

        public Ssl getSsl() {
            return this.ssl;
        }

        /** @return whether TLS is configured, by PEM files (kvstore.etcd.tls.*) or an SSL bundle */
        boolean tlsConfigured() {
            return this.tls.caCertificate != null || this.ssl.bundle != null;
        }

        /** @return the configured endpoints, or the single endpoint {@code http://host:port} if none are set */
        List<String> effectiveEndpoints() {
            List<String> endpoints = getEndpoints();
            if (endpoints != null && !endpoints.isEmpty()) {
                return List.copyOf(endpoints);
            }
            String scheme = tlsConfigured() ? "https" : "http";
            String host = getHost();
            String hostPart = (host != null && host.contains(":") && !host.startsWith("[")) ? "[" + host + "]" : host;
            return List.of(scheme + "://" + hostPart + ":" + getPort());
        }

        /** Only what no builder checks: the builder validates the rest when the store is configured and started. */
        void validate(Errors errors) {
            String host = getHost();
            if (host == null || host.isBlank()) {
                reject(errors, "etcd.host", "required", "must not be empty");
            }
            if (getPort() < 1 || getPort() > 65535) {
                reject(errors, "etcd.port", "range", "must be in 1..65535");
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

        /**
         * TLS to etcd ({@code kvstore.etcd.tls.*}); TLS is on when a CA certificate is set. The files may be given as
         * paths or as {@code classpath:} locations of files on the class path.
         */
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

    /** TCPStore connection ({@code kvstore.tcp.*}); the settings besides the server's are in the superclass. */
    public static class Tcp extends TcpStoreProperties {

        private final Server server = new Server();

        public Server getServer() {
            return this.server;
        }

        /**
         * Limits of the embedded TCPStore server of a master ({@code kvstore.tcp.server.*}); past them the server
         * closes the offending connection and stores nothing. They bound the memory one client can make it hold.
         */
        public static class Server extends TcpServerLimits {

            /** Default of {@code kvstore.tcp.server.etcd-prefix}. */
            public static final String DEFAULT_ETCD_PREFIX = "kvstore-tcpstore/";

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

            /**
             * Where the master keeps the keys: "memory" or "etcd" (a gateway: the etcd connection from
             * kvstore.etcd.*, the keys under etcd-prefix followed by the namespace and "/").
             */
            private Store store = Store.MEMORY;

            /**
             * etcd key prefix of a gateway's keys (store=etcd): the keys of namespace N live under
             * "{etcd-prefix}N/". Every gateway of one job needs the same prefix and namespace.
             */
            private String etcdPrefix = DEFAULT_ETCD_PREFIX;

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
        }

    }

}
