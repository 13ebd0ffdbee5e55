package dev.kvstore.spring.autoconfigure;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.io.ResourceLoader;

/**
 * Adapts the {@code kvstore.etcd.*} properties to {@link EtcdConnectionDetails}: the endpoints (or one built from host
 * and port), the credentials, and TLS from {@code kvstore.etcd.ssl.bundle} or the PEM files of
 * {@code kvstore.etcd.tls.*}.
 */
class PropertiesEtcdConnectionDetails implements EtcdConnectionDetails {

    private final KVStoreProperties.Etcd properties;

    private final @Nullable SslBundles sslBundles;

    private final ResourceLoader resourceLoader;

    PropertiesEtcdConnectionDetails(KVStoreProperties properties, @Nullable SslBundles sslBundles,
            ResourceLoader resourceLoader) {
        this.properties = properties.getEtcd();
        this.sslBundles = sslBundles;
        this.resourceLoader = resourceLoader;
    }

    /** The configured endpoints, or the single endpoint {@code http(s)://host:port} if none are set. */
    @Override
    public List<String> getEndpoints() {
        List<String> endpoints = this.properties.getEndpoints();
        if (endpoints != null && !endpoints.isEmpty()) {
            return List.copyOf(endpoints);
        }
        String host = this.properties.getHost();
        if (host == null || host.isBlank()) {
            throw new InvalidConfigurationPropertyValueException("kvstore.etcd.host", host,
                    "must not be empty when kvstore.etcd.endpoints is not set");
        }
        int port = this.properties.getPort();
        if (port < 1 || port > 65535) {
            throw new InvalidConfigurationPropertyValueException("kvstore.etcd.port", port, "must be in 1..65535");
        }
        boolean tls = this.properties.getTls().getCaCertificate() != null
                || this.properties.getSsl().getBundle() != null;
        String hostPart = (host.contains(":") && !host.startsWith("[")) ? "[" + host + "]" : host;
        return List.of((tls ? "https" : "http") + "://" + hostPart + ":" + port);
    }

    @Override
    public @Nullable String getUsername() {
        return this.properties.getUser();
    }

    @Override
    public @Nullable String getPassword() {
        return this.properties.getPassword();
    }

    /**
     * @throws InvalidConfigurationPropertyValueException if TLS is configured twice, the named bundle does not exist,
     *     or a PEM file cannot be used
     */
    @Override
    public @Nullable SslBundle getSslBundle() {
        String name = this.properties.getSsl().getBundle();
        if (name == null) {
            return EtcdTls.fromPemResources(this.properties.getTls(), this.resourceLoader);
        }
        KVStoreProperties.Etcd.Tls tls = this.properties.getTls();
        if (tls.getCaCertificate() != null || tls.getClientCertificate() != null || tls.getClientKey() != null) {
            throw new InvalidConfigurationPropertyValueException("kvstore.etcd.ssl.bundle", name,
                    "etcd TLS is configured twice, by an SSL bundle and by kvstore.etcd.tls.*: remove one of them");
        }
        if (this.sslBundles == null) {
            throw new InvalidConfigurationPropertyValueException("kvstore.etcd.ssl.bundle", name,
                    "there are no SSL bundles: configure spring.ssl.bundle.pem." + name + ".* or spring.ssl.bundle.jks."
                            + name + ".*");
        }
        return this.sslBundles.getBundle(name);
    }

}
