package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreOperationObserver;
import dev.kvstore.spring.ManagedKVStore;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The etcd backend ({@code kvstore.backend=etcd}), when jetcd is on the classpath. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = EtcdStoreConfiguration.JETCD_CLIENT)
@ConditionalOnProperty(name = "kvstore.backend", havingValue = "etcd")
class EtcdStoreConfiguration {

    static final String JETCD_CLIENT = "io.etcd.jetcd.Client";

    private static final Logger logger = LoggerFactory.getLogger(EtcdStoreConfiguration.class);

    @Bean
    @ConditionalOnMissingBean(EtcdConnectionDetails.class)
    PropertiesEtcdConnectionDetails kvStoreEtcdConnectionDetails(KVStoreProperties properties,
            ObjectProvider<SslBundles> sslBundles) {
        return new PropertiesEtcdConnectionDetails(properties, sslBundles.getIfAvailable());
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, Environment environment,
            EtcdConnectionDetails connectionDetails, ObjectProvider<EtcdKVStoreBuilderCustomizer> customizers,
            ObjectProvider<KVStoreOperationObserver> observers) {
        ProcessRole role = ProcessRole.of(properties, TorchrunEnvironment.from(environment));
        KVStoreProperties.Etcd etcd = properties.getEtcd();
        List<String> endpoints = connectionDetails.getEndpoints();
        EtcdKVStore.Builder builder = EtcdKVStore.builder()
            .endpoints(endpoints)
            .connectTimeout(etcd.getConnectTimeout())
            .requestTimeout(etcd.getRequestTimeout())
            .namespace(properties.getNamespace())
            .component(properties.getComponent())
            .cleanup(role.cleanup());
        if (connectionDetails.getUsername() != null) {
            builder.user(connectionDetails.getUsername()).password(connectionDetails.getPassword());
        }
        EtcdTls.apply(connectionDetails.getSslBundle(), etcd.getTls(), builder);
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        String endpoint = String.join(",", endpoints);
        logger.info("Connecting KVStore to etcd {} as rank {}{}", endpoint, role.rank(),
                role.cleanup() ? " (cleaning up namespace '" + properties.getNamespace() + "')" : "");
        EtcdKVStore store = builder.build();
        return new ManagedKVStore(store, "etcd", endpoint, role.cleanup(), observers.orderedStream().toList());
    }

}
