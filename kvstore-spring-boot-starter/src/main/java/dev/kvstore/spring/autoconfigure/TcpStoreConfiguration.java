package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.KVStoreStartup;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.util.function.Consumer;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.unit.DataSize;

/**
 * The TCPStore backend ({@code kvstore.backend=tcp}, the default). The master's address comes from the
 * {@link TcpConnectionDetails} (by default {@code kvstore.tcp.host/port}, else torchrun's {@code MASTER_ADDR/PORT},
 * else 127.0.0.1:29500); unset rank and world size come from the torchrun environment, else rank 0 (so: the master)
 * and no world size. The bean only configures (each property is mapped once; a rejected value names its property);
 * the store starts in the context's lifecycle.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kvstore.backend", havingValue = "tcp", matchIfMissing = true)
class TcpStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean(TcpConnectionDetails.class)
    PropertiesTcpConnectionDetails kvStoreTcpConnectionDetails(KVStoreProperties properties,
            Environment environment) {
        return new PropertiesTcpConnectionDetails(properties.getTcp(), TorchrunEnvironment.from(environment));
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, TcpConnectionDetails connectionDetails,
            Environment environment, ObjectProvider<TcpKVStoreBuilderCustomizer> customizers,
            ObjectProvider<KVStoreObservations> observations,
            ObjectProvider<EtcdConnectionDetails> etcdConnectionDetails, ObjectProvider<SslBundles> sslBundles,
            ResourceLoader resourceLoader, BeanFactory beanFactory) {
        TcpConnectionSettings settings = TcpConnectionSettings.resolve(properties, connectionDetails,
                TorchrunEnvironment.from(environment));
        KVStoreProperties.Tcp tcp = properties.getTcp();
        KVStoreProperties.Tcp.Server server = tcp.getServer();
        TcpKVStore.Builder builder = TcpKVStore.builder();
        PropertyMapper map = PropertyMapper.get();
        map.from(settings.host()).to(BuilderProperty.to("kvstore.tcp.host", builder::host));
        map.from(settings.port()).to(BuilderProperty.to("kvstore.tcp.port", builder::port));
        map.from(settings.worldSize()).to(BuilderProperty.to("kvstore.tcp.world-size", builder::worldSize));
        map.from(settings.master()).to(builder::master);
        map.from(tcp::getConnectTimeout)
            .to(BuilderProperty.timeout("kvstore.tcp.connect-timeout", builder::connectTimeout));
        map.from(tcp::getRequestTimeout)
            .to(BuilderProperty.timeout("kvstore.tcp.request-timeout", builder::requestTimeout));
        map.from(tcp::getWorkerWaitTimeout)
            .to(BuilderProperty.timeout("kvstore.tcp.worker-wait-timeout", builder::workerWaitTimeout));
        map.from(tcp::isWaitForWorkers).to(builder::waitForWorkers);
        map.from(tcp::getProtocol).to(BuilderProperty.to("kvstore.tcp.protocol", builder::protocol));
        map.from(tcp::getServerLegacyProtocol)
            .to(BuilderProperty.to("kvstore.tcp.server-legacy-protocol", builder::serverLegacyProtocol));
        // The job's limits: the master enforces them, every rank's client refuses to send past them.
        map.from(server::getMaxValueSize).to(BuilderProperty.to("kvstore.tcp.server.max-value-size",
                (size) -> builder.maxValueBytes(BuilderProperty.intBytes(size))));
        map.from(server::getMaxKeysPerRequest)
            .to(BuilderProperty.to("kvstore.tcp.server.max-keys-per-request", builder::maxKeysPerRequest));
        map.from(properties::getNamespace)
            .to(BuilderProperty.to("kvstore.namespace",
                    (namespace) -> builder.namespace(BuilderProperty.namespace(namespace))));
        map.from(properties::getComponent)
            .to(BuilderProperty.to("kvstore.component",
                    (component) -> builder.component(BuilderProperty.component(component))));
        Consumer<TcpStoreServer.Builder> limits = (serverBuilder) -> serverLimits(server, serverBuilder);
        // The master's own server is built in the lifecycle: a throwaway builder checks the limits now.
        limits.accept(TcpStoreServer.builder());
        BuilderProperty.warnIfShort("kvstore.tcp.server.partial-request-timeout", server.getPartialRequestTimeout());
        builder.server(limits);
        if (settings.master() && server.getStore() == KVStoreProperties.Tcp.Server.Store.ETCD) {
            builder.server(TcpGatewayStore.configure(properties, etcdConnectionDetails
                .getIfAvailable(() -> new PropertiesEtcdConnectionDetails(properties, sslBundles.getIfAvailable(),
                        resourceLoader)),
                    beanFactory));
        }
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        TcpKVStore store = builder.create();
        KVStoreStartup startup = new KVStoreStartup(new TcpStoreStarter(store, settings, environment),
                settings.endpoint());
        return new ManagedKVStore(startup, "tcp", store.namespace(), store.component(), settings.role().cleanup(),
                KVStoreAutoConfiguration.observations(observations));
    }

    private static void serverLimits(KVStoreProperties.Tcp.Server limits, TcpStoreServer.Builder server) {
        PropertyMapper map = PropertyMapper.get();
        map.from(limits::getMaxKeySize).to(BuilderProperty.to("kvstore.tcp.server.max-key-size",
                (size) -> server.maxKeyBytes(BuilderProperty.intBytes(size))));
        map.from(limits::getMaxValueSize).to(BuilderProperty.to("kvstore.tcp.server.max-value-size",
                (size) -> server.maxValueBytes(BuilderProperty.intBytes(size))));
        map.from(limits::getMaxKeysPerRequest)
            .to(BuilderProperty.to("kvstore.tcp.server.max-keys-per-request", server::maxKeysPerRequest));
        map.from(limits::getBacklog).to(BuilderProperty.to("kvstore.tcp.server.backlog", server::backlog));
        map.from(limits::getMaxRequestSize).as(DataSize::toBytes)
            .to(BuilderProperty.to("kvstore.tcp.server.max-request-size", server::maxRequestBytes));
        map.from(limits::getMaxStoreSize).as(DataSize::toBytes)
            .to(BuilderProperty.to("kvstore.tcp.server.max-store-size", server::maxStoreBytes));
        map.from(limits::getMaxKeys).to(BuilderProperty.to("kvstore.tcp.server.max-keys", server::maxKeys));
        map.from(limits::getMaxPendingSize).as(DataSize::toBytes)
            .to(BuilderProperty.to("kvstore.tcp.server.max-pending-size", server::maxPendingBytes));
        map.from(limits::getPartialRequestTimeout)
            .to(BuilderProperty.to("kvstore.tcp.server.partial-request-timeout", server::partialRequestTimeout));
        map.from(limits::getMaxMemorySize).as(DataSize::toBytes)
            .to(BuilderProperty.to("kvstore.tcp.server.max-memory-size", server::maxMemoryBytes));
        map.from(limits::getStallLogInterval)
            .to(BuilderProperty.to("kvstore.tcp.server.stall-log-interval", server::stallLogInterval));
        map.from(limits::getStallThreshold)
            .to(BuilderProperty.to("kvstore.tcp.server.stall-threshold", server::stallThreshold));
    }

}
