package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreOperationObserver;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
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

    static final String DEFAULT_HOST = "127.0.0.1";

    static final int DEFAULT_PORT = 29500;

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, Environment environment,
            ObjectProvider<TcpKVStoreBuilderCustomizer> customizers,
            ObjectProvider<KVStoreOperationObserver> observers) {
        TorchrunEnvironment torchrun = TorchrunEnvironment.from(environment);
        ProcessRole role = ProcessRole.of(properties, torchrun);
        KVStoreProperties.Tcp tcp = properties.getTcp();
        String host = firstNonNull(tcp.getHost(), torchrun.masterAddr(), DEFAULT_HOST);
        int port = firstNonNull(tcp.getPort(), torchrun.masterPort(), DEFAULT_PORT);
        Integer worldSize = (tcp.getWorldSize() != null) ? tcp.getWorldSize() : torchrun.worldSize();
        boolean master = (tcp.getMaster() != null) ? tcp.getMaster() : role.rank() == 0;
        if (port == 0 && !master) {
            throw new InvalidConfigurationPropertyValueException("kvstore.tcp.port", port,
                    "0 is only valid for a master (rank " + role.rank() + " is a client and needs the master's port)");
        }
        if (worldSize != null && role.rank() >= worldSize) {
            throw new InvalidConfigurationPropertyValueException("kvstore.rank", role.rank(),
                    "must be less than the world size " + worldSize);
        }
        TcpKVStore.Builder builder = TcpKVStore.builder()
            .host(host)
            .port(port)
            .worldSize(worldSize)
            .master(master)
            .timeout(tcp.getTimeout())
            .waitForWorkers(tcp.isWaitForWorkers())
            .protocol(tcp.getProtocol())
            .serverLegacyProtocol(tcp.getServerLegacyProtocol())
            .namespace(properties.getNamespace())
            .component(properties.getComponent());
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        String endpoint = host + ":" + port + (master ? " (master)" : "");
        logger.info("Connecting KVStore to TCPStore {} as rank {}{}", endpoint, role.rank(),
                (worldSize != null) ? " of " + worldSize : "");
        TcpKVStore store = builder.build();
        return new ManagedKVStore(store, "tcp", endpoint, role.cleanup(), observers.orderedStream().toList());
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T value : values) {
            if (value != null) {
                return value;
            }
        }
        throw new IllegalStateException("no default");
    }

}
