package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Fails startup with a clear message when {@code kvstore.backend=etcd} but jetcd is not on the classpath. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingClass(EtcdStoreConfiguration.JETCD_CLIENT)
@ConditionalOnProperty(name = "kvstore.backend", havingValue = "etcd")
class EtcdClientMissingConfiguration {

    @Bean
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore() {
        throw new InvalidConfigurationPropertyValueException("kvstore.backend", "etcd",
                "the etcd backend needs io.etcd:jetcd-core on the classpath (add it as a dependency)");
    }

}
