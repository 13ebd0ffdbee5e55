package dev.kvstore.spring.autoconfigure;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.util.function.Consumer;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * A master that keeps its keys in etcd ({@code kvstore.tcp.server.store=etcd}): its server connects with
 * {@code kvstore.etcd.*} and the {@link EtcdClientBuilderCustomizer} beans, and keeps the keys under
 * {@code kvstore.tcp.server.etcd-prefix} + namespace + "/". Loaded only then, so that jetcd stays optional for
 * everyone else.
 */
final class TcpGatewayStore {

    private TcpGatewayStore() {
    }

    /** @return what sets the master's server up as a gateway */
    static Consumer<TcpStoreServer.Builder> configure(KVStoreProperties properties,
            EtcdConnectionDetails connectionDetails, BeanFactory beanFactory) {
        if (!ClassUtils.isPresent(EtcdStoreConfiguration.JETCD_CLIENT, TcpGatewayStore.class.getClassLoader())) {
            throw new InvalidConfigurationPropertyValueException("kvstore.tcp.server.store", "etcd",
                    "a gateway keeps its keys in etcd and needs io.etcd:jetcd-core on the classpath (add it as a "
                            + "dependency)");
        }
        String etcdPrefix = properties.getTcp().getServer().getEtcdPrefix();
        if (etcdPrefix == null || etcdPrefix.isBlank()) {
            throw new InvalidConfigurationPropertyValueException("kvstore.tcp.server.etcd-prefix", etcdPrefix,
                    "the etcd prefix of a gateway's keys must not be empty (default "
                            + new KVStoreProperties.Tcp.Server().getEtcdPrefix() + ")");
        }
        EtcdKVStore.Builder connection = EtcdStoreConfiguration.connection(properties.getEtcd(), connectionDetails);
        beanFactory.getBeanProvider(EtcdClientBuilderCustomizer.class).orderedStream()
            .forEach((customizer) -> connection.customizeClient(customizer::customize));
        EtcdServerStore store = EtcdServerStore.of(connection, etcdPrefix + properties.getNamespace() + "/");
        return (server) -> server.store(store);
    }

}
