package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.KVStoreStartup;
import dev.kvstore.spring.ManagedKVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

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
            ObjectProvider<SslBundles> sslBundles, ResourceLoader resourceLoader) {
        return new PropertiesEtcdConnectionDetails(properties, sslBundles.getIfAvailable(), resourceLoader);
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, Environment environment,
            EtcdConnectionDetails connectionDetails, ObjectProvider<EtcdKVStoreBuilderCustomizer> customizers,
            ObjectProvider<EtcdClientBuilderCustomizer> clientCustomizers,
            ObjectProvider<KVStoreObservations> observations) {
        ProcessRole role = ProcessRole.of(properties, TorchrunEnvironment.from(environment));
        KVStoreProperties.Etcd etcd = properties.getEtcd();
        EtcdKVStore.Builder builder = connection(etcd, connectionDetails);
        PropertyMapper map = PropertyMapper.get();
        map.from(properties::getNamespace)
            .to(BuilderProperty.to("kvstore.namespace",
                    (namespace) -> builder.namespace(BuilderProperty.namespace(namespace))));
        map.from(properties::getComponent)
            .to(BuilderProperty.to("kvstore.component",
                    (component) -> builder.component(BuilderProperty.component(component))));
        map.from(role.cleanup()).to(builder::cleanup);
        clientCustomizers.orderedStream().forEach((customizer) -> builder.customizeClient(customizer::customize));
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        String endpoint = String.join(",", connectionDetails.getEndpoints());
        logger.info("KVStore on etcd {} as rank {}{}", endpoint, role.rank(),
                role.cleanup() ? " (cleaning up namespace '" + properties.getNamespace() + "')" : "");
        // TLS is on for https:// endpoints (the SSL bundle is read once, by connection()).
        boolean tls = connectionDetails.getEndpoints().stream().anyMatch((uri) -> uri.startsWith("https://"));
        KVStoreStartup startup = new KVStoreStartup(new EtcdStoreStarter(builder, endpoint, tls), endpoint);
        return new ManagedKVStore(startup, "etcd", properties.getNamespace(), properties.getComponent(),
                role.cleanup(), KVStoreAutoConfiguration.observations(observations));
    }

    /**
     * The etcd connection (endpoints, timeouts, credentials, TLS) of the connection details and
     * {@code kvstore.etcd.*}: the etcd backend's and a TCPStore gateway's ({@code kvstore.tcp.server.store=etcd}).
     */
    static EtcdKVStore.Builder connection(KVStoreProperties.Etcd etcd, EtcdConnectionDetails connectionDetails) {
        EtcdKVStore.Builder builder = EtcdKVStore.builder();
        PropertyMapper map = PropertyMapper.get();
        map.from(connectionDetails::getEndpoints).to(BuilderProperty.to("kvstore.etcd.endpoints", builder::endpoints));
        map.from(etcd::getConnectTimeout)
            .to(BuilderProperty.timeout("kvstore.etcd.connect-timeout", builder::connectTimeout));
        map.from(etcd::getRequestTimeout)
            .to(BuilderProperty.timeout("kvstore.etcd.request-timeout", builder::requestTimeout));
        map.from(connectionDetails::getUsername).to(builder::user);
        map.from(connectionDetails::getPassword).to(builder::password);
        map.from(connectionDetails::getSslBundle).to((bundle) -> EtcdTls.apply(bundle, builder));
        return builder;
    }

}
