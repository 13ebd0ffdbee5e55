package dev.kvstore.spring.autoconfigure;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/** Adapts the {@code kvstore.etcd.*} properties to {@link EtcdConnectionDetails}. */
class PropertiesEtcdConnectionDetails implements EtcdConnectionDetails {

    private final KVStoreProperties.Etcd properties;

    private final @Nullable SslBundles sslBundles;

    PropertiesEtcdConnectionDetails(KVStoreProperties properties) {
        this(properties, null);
    }

    PropertiesEtcdConnectionDetails(KVStoreProperties properties, @Nullable SslBundles sslBundles) {
        this.properties = properties.getEtcd();
        this.sslBundles = sslBundles;
    }

    @Override
    public List<String> getEndpoints() {
        return this.properties.effectiveEndpoints();
    }

    @Override
    public @Nullable String getUsername() {
        return this.properties.getUser();
    }

    @Override
    public @Nullable String getPassword() {
        return this.properties.getPassword();
    }

    @Override
    public @Nullable SslBundle getSslBundle() {
        String name = this.properties.getSsl().getBundle();
        if (name == null) {
            return null;
        }
        if (this.sslBundles == null) {
            throw new IllegalStateException("kvstore.etcd.ssl.bundle is '" + name
                    + "' but there are no SSL bundles: configure spring.ssl.bundle.pem." + name + ".* or"
                    + " spring.ssl.bundle.jks." + name + ".*");
        }
        return this.sslBundles.getBundle(name);
    }

}
