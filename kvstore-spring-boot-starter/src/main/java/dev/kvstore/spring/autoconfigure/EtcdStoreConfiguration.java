package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.KVStoreStartup;
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
            ObjectProvider<EtcdClientBuilderCustomizer> clientCustomizers,
            ObjectProvider<KVStoreObservations> observations) {
        ProcessRole role = ProcessRole.of(properties, TorchrunEnvironment.from(environment));
        KVStoreProperties.Etcd etcd = properties.getEtcd();
        List<String> endpoints = connectionDetails.getEndpoints();
        EtcdKVStore.Builder builder = connection(etcd, connectionDetails);
        BuilderProperty.layout(properties.getNamespace(), properties.getComponent());
        builder.namespace(properties.getNamespace()).component(properties.getComponent()).cleanup(role.cleanup());
        clientCustomizers.orderedStream().forEach((customizer) -> builder.customizeClient(customizer::customize));
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        String endpoint = String.join(",", endpoints);
        logger.info("KVStore on etcd {} as rank {}{}", endpoint, role.rank(),
                role.cleanup() ? " (cleaning up namespace '" + properties.getNamespace() + "')" : "");
        KVStoreStartup startup = new KVStoreStartup(new EtcdStoreStarter(builder, endpoint, etcd.getConnectTimeout(),
                connectionDetails.getSslBundle() != null || etcd.tlsConfigured()), endpoint);
        return new ManagedKVStore(startup, "etcd", properties.getNamespace(), properties.getComponent(),
                etcd.getRequestTimeout(), role.cleanup(),
                KVStoreAutoConfiguration.observations(observations));
    }

    /**
     * The etcd connection of {@code kvstore.etcd.*} (endpoints, timeouts, credentials, TLS): the etcd backend's and a
     * TCPStore gateway's ({@code kvstore.tcp.server.store=etcd}).
     */
    static EtcdKVStore.Builder connection(KVStoreProperties.Etcd etcd, EtcdConnectionDetails connectionDetails) {
        EtcdKVStore.Builder builder = EtcdKVStore.builder();
        BuilderProperty.apply("kvstore.etcd.endpoints", connectionDetails.getEndpoints(), builder::endpoints);
        BuilderProperty.apply("kvstore.etcd.connect-timeout", etcd.getConnectTimeout(), builder::connectTimeout);
        BuilderProperty.apply("kvstore.etcd.request-timeout", etcd.getRequestTimeout(), builder::requestTimeout);
        if (connectionDetails.getUsername() != null) {
            builder.user(connectionDetails.getUsername());
        }
        if (connectionDetails.getPassword() != null) {
            builder.password(connectionDetails.getPassword());
        }
        EtcdTls.apply(connectionDetails.getSslBundle(), etcd.getTls(), builder);
        return builder;
    }

}
