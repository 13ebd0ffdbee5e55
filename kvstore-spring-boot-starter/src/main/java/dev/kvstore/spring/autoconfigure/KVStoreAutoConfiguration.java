package dev.kvstore.spring.autoconfigure;

import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.ManagedKVStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of a {@link dev.kvstore.api.KVStore} bean
 * ({@link dev.kvstore.spring.ManagedKVStore}) from the {@code kvstore.*} properties: a TCPStore
 * ({@code kvstore.backend=tcp}, the default) or an etcd store ({@code kvstore.backend=etcd}). A {@code KVStore} bean
 * of the application replaces it. The store starts in the context's lifecycle, not when the bean is created: the
 * context (web server, probes) comes up meanwhile and readiness follows once the store is ready
 * ({@link KVStoreStartupRunner}). The store is closed when the context shuts down.
 */
@AutoConfiguration
@EnableConfigurationProperties(KVStoreProperties.class)
@Import({ TcpStoreConfiguration.class, EtcdStoreConfiguration.class, EtcdClientMissingConfiguration.class,
        UnknownBackendConfiguration.class })
public final class KVStoreAutoConfiguration {

    KVStoreAutoConfiguration() {
    }

    @Bean
    static KVStoreStartupRunner kvStoreStartupRunner(ObjectProvider<ManagedKVStore> stores) {
        return new KVStoreStartupRunner(stores);
    }

    /** How the store beans are observed: the application's observations, or none. */
    static KVStoreObservations observations(ObjectProvider<KVStoreObservations> observations) {
        return observations.getIfAvailable(KVStoreObservations::none);
    }

}
