package dev.kvstore.etcd;

import io.etcd.jetcd.ClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The settings of an {@link EtcdKVStore.Builder}, every one with a default: the setters users call, kept apart from
 * the store so that the store reads as what it does. Only {@link EtcdKVStore.Builder} extends it.
 */
abstract class EtcdKVStoreSettings {

    List<String> endpoints = List.of("http://127.0.0.1:2379");
    Duration connectTimeout = Duration.ofSeconds(5);
    Duration requestTimeout = Duration.ofSeconds(10);
    @Nullable String user;
    @Nullable String password;
    @Nullable Path caCertificate;
    @Nullable Path clientCertificate;
    @Nullable Path clientKey;
    @Nullable TrustManagerFactory trustManagers;
    @Nullable KeyManagerFactory keyManagers;
    String namespace = "default";
    String component = "tensorbus";
    boolean cleanup;
    Duration leaseTtl = Duration.ofSeconds(10);
    final List<Consumer<ClientBuilder>> clientCustomizers = new ArrayList<>();

    /** @return the builder these settings belong to, for chained calls */
    abstract EtcdKVStore.Builder self();

    /**
     * Customizes jetcd's {@link ClientBuilder} after this builder configured it (endpoints, timeouts, retries,
     * credentials, TLS) and before the client is built, e.g. to add a gRPC interceptor. Customizers run in the
     * order they were added. Changing what this builder configured (endpoints, TLS, the deadline interceptor)
     * is possible but unsupported.
     */
    public EtcdKVStore.Builder customizeClient(Consumer<ClientBuilder> customizer) {
        clientCustomizers.add(Objects.requireNonNull(customizer, "customizer"));
        return self();
    }

    /** One or more endpoints, e.g. "http://10.0.0.1:2379"; "https://" requires caCertificate. */
    public EtcdKVStore.Builder endpoints(List<String> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is required");
        }
        endpoints.forEach(endpoint -> Objects.requireNonNull(endpoint, "endpoint"));
        this.endpoints = List.copyOf(endpoints);
        return self();
    }

    /** One or more endpoints, e.g. "http://10.0.0.1:2379"; "https://" requires caCertificate. */
    public EtcdKVStore.Builder endpoints(String... endpoints) {
        return endpoints(Arrays.asList(Objects.requireNonNull(endpoints, "endpoints")));
    }

    /** Bound of establishing the first connection (and of the health check's call). Default 5 s. */
    public EtcdKVStore.Builder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = requirePositive("connectTimeout", connectTimeout);
        return self();
    }

    /** Deadline of every single etcd call (a wait is many calls and has its own timeout). Default 10 s. */
    public EtcdKVStore.Builder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requirePositive("requestTimeout", requestTimeout);
        return self();
    }

    /** The etcd user to authenticate as; needs {@link #password(String)}. Default: no authentication. */
    public EtcdKVStore.Builder user(@Nullable String user) {
        this.user = user;
        return self();
    }

    /** The password of {@link #user(String)}. */
    public EtcdKVStore.Builder password(@Nullable String password) {
        this.password = password;
        return self();
    }

    /** Enables TLS: the server's certificate is verified against this CA (PEM). */
    public EtcdKVStore.Builder caCertificate(@Nullable Path pem) {
        this.caCertificate = pem;
        return self();
    }

    /** Mutual TLS: the client's certificate chain (PEM) and its PKCS#8 private key (PEM). */
    public EtcdKVStore.Builder clientCertificate(@Nullable Path certificatePem, @Nullable Path privateKeyPem) {
        this.clientCertificate = certificatePem;
        this.clientKey = privateKeyPem;
        return self();
    }

    /**
     * Enables TLS with JSSE key and trust material instead of PEM files, e.g. the managers of a Spring Boot SSL
     * bundle. Use either this or {@link #caCertificate(Path)}, not both.
     *
     * @param trustManagers verify the server's certificate
     * @param keyManagers the client's certificate and key for mutual TLS, or {@code null} for none
     * @return this builder
     */
    public EtcdKVStore.Builder tls(TrustManagerFactory trustManagers, @Nullable KeyManagerFactory keyManagers) {
        this.trustManagers = Objects.requireNonNull(trustManagers, "trustManagers");
        this.keyManagers = keyManagers;
        return self();
    }

    /** The first segment of every key; isolates jobs. Default {@code default}. */
    public EtcdKVStore.Builder namespace(String namespace) {
        this.namespace = namespace;
        return self();
    }

    /** The second segment of every key; isolates subsystems of a job. Default {@code tensorbus}. */
    public EtcdKVStore.Builder component(String component) {
        this.component = component;
        return self();
    }

    /**
     * Whether {@link EtcdKVStore.Builder#build()} deletes every key under {@code {namespace}/} first. Only the owner of
     * the namespace (rank 0) should do that, before the other ranks start; default {@code false}.
     */
    public EtcdKVStore.Builder cleanup(boolean cleanup) {
        this.cleanup = cleanup;
        return self();
    }

    /**
     * TTL of the store's lease, which holds its locks: a process that dies frees them within this time, and a
     * process cut off from etcd this long loses them. Rounded up to whole seconds; default 10 s.
     */
    public EtcdKVStore.Builder leaseTtl(Duration leaseTtl) {
        this.leaseTtl = requirePositive("leaseTtl", leaseTtl);
        return self();
    }

    private static Duration requirePositive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
        return value;
    }
}
