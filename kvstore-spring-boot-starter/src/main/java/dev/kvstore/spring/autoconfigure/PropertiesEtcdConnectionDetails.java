package dev.kvstore.spring.autoconfigure;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Adapts the {@code kvstore.etcd.*} properties to {@link EtcdConnectionDetails}. */
class PropertiesEtcdConnectionDetails implements EtcdConnectionDetails {

    private final KVStoreProperties.Etcd properties;

    PropertiesEtcdConnectionDetails(KVStoreProperties properties) {
        this.properties = properties.getEtcd();
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

}
