package dev.kvstore.spring.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of a {@link dev.kvstore.api.KVStore} bean
 * ({@link dev.kvstore.spring.ManagedKVStore}) from the {@code kvstore.*} properties: a TCPStore
 * ({@code kvstore.backend=tcp}, the default) or an etcd store ({@code kvstore.backend=etcd}). A {@code KVStore} bean
 * of the application replaces it. The store is closed when the context shuts down.
 */
@AutoConfiguration
@EnableConfigurationProperties(KVStoreProperties.class)
@Import({ TcpStoreConfiguration.class, EtcdStoreConfiguration.class, EtcdClientMissingConfiguration.class })
public final class KVStoreAutoConfiguration {

    KVStoreAutoConfiguration() {
    }

}
