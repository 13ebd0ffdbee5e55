package dev.kvstore.spring.autoconfigure.integration;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.integration.KVStoreLockRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of a {@link KVStoreLockRegistry}: Spring Integration's
 * {@link LockRegistry} backed by the auto-configured {@link KVStore}, when spring-integration-core is on the
 * classpath and no other {@link LockRegistry} bean is defined. Its locks live in the store's namespace and component
 * under {@code locks/{name}/}.
 */
@AutoConfiguration(after = KVStoreAutoConfiguration.class)
@ConditionalOnClass(LockRegistry.class)
@ConditionalOnBean(KVStore.class)
public final class KVStoreLockRegistryAutoConfiguration {

    KVStoreLockRegistryAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(LockRegistry.class)
    KVStoreLockRegistry kvStoreLockRegistry(KVStore store) {
        return new KVStoreLockRegistry(store);
    }

}
