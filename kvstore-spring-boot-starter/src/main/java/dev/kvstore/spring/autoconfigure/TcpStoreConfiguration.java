package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.KVStoreStartup;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * The TCPStore backend ({@code kvstore.backend=tcp}, the default). Unset host, port, rank and world size come from
 * the torchrun environment, else 127.0.0.1:29500, rank 0 (so: the master) and no world size. The bean only
 * configures (the builders validate, failures name the property); the store starts in the context's lifecycle.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kvstore.backend", havingValue = "tcp", matchIfMissing = true)
class TcpStoreConfiguration {

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(KVStoreProperties properties, Environment environment,
            ObjectProvider<TcpKVStoreBuilderCustomizer> customizers,
            ObjectProvider<KVStoreObservations> observations,
            ObjectProvider<EtcdConnectionDetails> etcdConnectionDetails, ObjectProvider<SslBundles> sslBundles,
            BeanFactory beanFactory) {
        TcpConnectionSettings settings = TcpConnectionSettings.resolve(properties,
                TorchrunEnvironment.from(environment));
        KVStoreProperties.Tcp tcp = properties.getTcp();
        TcpKVStore.Builder builder = TcpKVStore.builder().host(settings.host()).master(settings.master());
        BuilderProperty.apply("kvstore.tcp.port", settings.port(), builder::port);
        BuilderProperty.apply("kvstore.tcp.world-size", settings.worldSize(), builder::worldSize);
        applyTimeouts(tcp, builder);
        Duration connectTimeout = tcp.effective(tcp.getConnectTimeout(), KVStoreProperties.Tcp.DEFAULT_CONNECT_TIMEOUT);
        Duration requestTimeout = tcp.effective(tcp.getRequestTimeout(), KVStoreProperties.Tcp.DEFAULT_REQUEST_TIMEOUT);
        Duration workerWaitTimeout = tcp.effective(tcp.getWorkerWaitTimeout(),
                KVStoreProperties.Tcp.DEFAULT_WORKER_WAIT_TIMEOUT);
        BuilderProperty.apply("kvstore.tcp.protocol", tcp.getProtocol(), builder::protocol);
        BuilderProperty.apply("kvstore.tcp.server-legacy-protocol", tcp.getServerLegacyProtocol(),
                builder::serverLegacyProtocol);
        validateLimits(tcp.getServer());
        builder.waitForWorkers(tcp.isWaitForWorkers())
            .server((server) -> applyLimits(tcp.getServer(), server))
            // The job's limits: the master enforces them, every rank's client refuses to send past them.
            .maxValueBytes(Math.toIntExact(tcp.getServer().getMaxValueSize().toBytes()))
            .maxKeysPerRequest(tcp.getServer().getMaxKeysPerRequest())
            .namespace(properties.getNamespace())
            .component(properties.getComponent());
        if (settings.master() && tcp.getServer().getStore() == KVStoreProperties.Tcp.Server.Store.ETCD) {
            builder.server(TcpGatewayStore.configure(properties, etcdConnectionDetails
                .getIfAvailable(() -> new PropertiesEtcdConnectionDetails(properties, sslBundles.getIfAvailable())),
                    beanFactory));
        }
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        TcpKVStore store = create(builder, properties, settings);
        KVStoreStartup startup = new KVStoreStartup(
                new TcpStoreStarter(store, settings, connectTimeout, workerWaitTimeout, environment),
                settings.endpoint());
        return new ManagedKVStore(startup, "tcp", store.namespace(), store.component(), requestTimeout,
                settings.role().cleanup(), KVStoreAutoConfiguration.observations(observations));
    }

    /** The deprecated single timeout first, then each of the three that is set to other than its default. */
    @SuppressWarnings("deprecation")
    private static void applyTimeouts(KVStoreProperties.Tcp tcp, TcpKVStore.Builder builder) {
        boolean alias = tcp.getTimeout() != null;
        if (alias) {
            BuilderProperty.apply("kvstore.tcp.timeout", tcp.getTimeout(),
                    (timeout) -> builder.connectTimeout(timeout).requestTimeout(timeout).workerWaitTimeout(timeout));
        }
        if (!alias || !KVStoreProperties.Tcp.DEFAULT_CONNECT_TIMEOUT.equals(tcp.getConnectTimeout())) {
            BuilderProperty.apply("kvstore.tcp.connect-timeout", tcp.getConnectTimeout(), builder::connectTimeout);
        }
        if (!alias || !KVStoreProperties.Tcp.DEFAULT_REQUEST_TIMEOUT.equals(tcp.getRequestTimeout())) {
            BuilderProperty.apply("kvstore.tcp.request-timeout", tcp.getRequestTimeout(), builder::requestTimeout);
        }
        if (!alias || !KVStoreProperties.Tcp.DEFAULT_WORKER_WAIT_TIMEOUT.equals(tcp.getWorkerWaitTimeout())) {
            BuilderProperty.apply("kvstore.tcp.worker-wait-timeout", tcp.getWorkerWaitTimeout(),
                    builder::workerWaitTimeout);
        }
    }

    /** Creates the store without connecting; its validation names the property it concerns. */
    private static TcpKVStore create(TcpKVStore.Builder builder, KVStoreProperties properties,
            TcpConnectionSettings settings) {
        try {
            return builder.create();
        } catch (IllegalArgumentException ex) {
            String message = String.valueOf(ex.getMessage());
            if (message.startsWith("namespace") || message.startsWith("component")) {
                throw BuilderProperty.layoutFailure(properties.getNamespace(), properties.getComponent(), ex);
            }
            throw BuilderProperty.invalid("kvstore.tcp.port", settings.port(), ex);
        }
    }

    /** Builds (never starts) a server with the limits now: the master's own server is built in the lifecycle. */
    private static void validateLimits(KVStoreProperties.Tcp.Server limits) {
        try {
            applyLimits(limits, TcpStoreServer.builder()).build();
        } catch (IllegalArgumentException ex) {
            String message = String.valueOf(ex.getMessage());
            Object[][] names = { { "maxKeyBytes", "max-key-size", limits.getMaxKeySize() },
                    { "maxValueBytes", "max-value-size", limits.getMaxValueSize() },
                    { "maxKeysPerRequest", "max-keys-per-request", limits.getMaxKeysPerRequest() },
                    { "maxRequestBytes", "max-request-size", limits.getMaxRequestSize() },
                    { "maxStoreBytes", "max-store-size", limits.getMaxStoreSize() },
                    { "maxPendingBytes", "max-pending-size", limits.getMaxPendingSize() },
                    { "partialRequestTimeout", "partial-request-timeout", limits.getPartialRequestTimeout() } };
            for (Object[] name : names) {
                if (message.startsWith((String) name[0])) {
                    throw BuilderProperty.invalid("kvstore.tcp.server." + name[1], name[2], ex);
                }
            }
            throw BuilderProperty.invalid("kvstore.tcp.server", message, ex);
        }
    }

    private static TcpStoreServer.Builder applyLimits(KVStoreProperties.Tcp.Server limits,
            TcpStoreServer.Builder server) {
        BuilderProperty.apply("kvstore.tcp.server.max-key-size", limits.getMaxKeySize(),
                (size) -> server.maxKeyBytes(intBytes(size)));
        BuilderProperty.apply("kvstore.tcp.server.max-value-size", limits.getMaxValueSize(),
                (size) -> server.maxValueBytes(intBytes(size)));
        BuilderProperty.apply("kvstore.tcp.server.max-keys-per-request", limits.getMaxKeysPerRequest(),
                server::maxKeysPerRequest);
        BuilderProperty.apply("kvstore.tcp.server.max-request-size", limits.getMaxRequestSize(),
                (size) -> server.maxRequestBytes(size.toBytes()));
        BuilderProperty.apply("kvstore.tcp.server.max-store-size", limits.getMaxStoreSize(),
                (size) -> server.maxStoreBytes(size.toBytes()));
        BuilderProperty.apply("kvstore.tcp.server.max-pending-size", limits.getMaxPendingSize(),
                (size) -> server.maxPendingBytes(size.toBytes()));
        BuilderProperty.apply("kvstore.tcp.server.partial-request-timeout", limits.getPartialRequestTimeout(),
                server::partialRequestTimeout);
        BuilderProperty.apply("kvstore.tcp.server.stall-log-interval", limits.getStallLogInterval(),
                server::stallLogInterval);
        BuilderProperty.apply("kvstore.tcp.server.stall-threshold", limits.getStallThreshold(),
                server::stallThreshold);
        return server;
    }

    private static int intBytes(DataSize size) {
        if (size.toBytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be at most " + Integer.MAX_VALUE + "B, got " + size);
        }
        return (int) size.toBytes();
    }

}
