package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreOperationObserver;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The TCPStore backend ({@code kvstore.backend=tcp}, the default). Unset host, port, rank and world size come from
 * the torchrun environment, else 127.0.0.1:29500, rank 0 (so: the master) and no world size.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kvstore.backend", havingValue = "tcp", matchIfMissing = true)
class TcpStoreConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(TcpStoreConfiguration.class);

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, Environment environment,
            ObjectProvider<TcpKVStoreBuilderCustomizer> customizers,
            ObjectProvider<KVStoreOperationObserver> observers) {
        TcpConnectionSettings settings = TcpConnectionSettings.resolve(properties,
                TorchrunEnvironment.from(environment));
        KVStoreProperties.Tcp tcp = properties.getTcp();
        TcpKVStore.Builder builder = TcpKVStore.builder()
            .host(settings.host())
            .port(settings.port())
            .worldSize(settings.worldSize())
            .master(settings.master())
            .timeout(tcp.getTimeout())
            .waitForWorkers(tcp.isWaitForWorkers())
            .protocol(tcp.getProtocol())
            .serverLegacyProtocol(tcp.getServerLegacyProtocol())
            .server((server) -> applyLimits(tcp.getServer(), server))
            .namespace(properties.getNamespace())
            .component(properties.getComponent());
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        logger.info("Connecting KVStore to TCPStore {} as rank {}{}", settings.endpoint(), settings.role().rank(),
                (settings.worldSize() != null) ? " of " + settings.worldSize() : "");
        TcpKVStore store = builder.build();
        String endpoint = store.host() + ":" + store.port() + (store.isMaster() ? " (master)" : "");
        return new ManagedKVStore(store, "tcp", endpoint, settings.role().cleanup(), observers.orderedStream().toList());
    }

    private static void applyLimits(KVStoreProperties.Tcp.Server limits, TcpStoreServer.Builder server) {
        server.maxKeyBytes(Math.toIntExact(limits.getMaxKeySize().toBytes()))
            .maxValueBytes(Math.toIntExact(limits.getMaxValueSize().toBytes()))
            .maxKeysPerRequest(limits.getMaxKeysPerRequest())
            .maxRequestBytes(limits.getMaxRequestSize().toBytes())
            .maxStoreBytes(limits.getMaxStoreSize().toBytes())
            .maxPendingBytes(limits.getMaxPendingSize().toBytes())
            .partialRequestTimeout(limits.getPartialRequestTimeout());
    }

}
