package dev.kvstore.spring.actuate.endpoint;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the {@link KVStoreEndpoint kvstore} actuator endpoint, when
 * there is a {@link KVStore} bean and the endpoint is available (enabled and exposed,
 * {@code management.endpoints.web.exposure.include=kvstore}).
 */
@AutoConfiguration(after = KVStoreAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(KVStore.class)
@ConditionalOnAvailableEndpoint(KVStoreEndpoint.class)
@EnableConfigurationProperties(KVStoreEndpointProperties.class)
public final class KVStoreEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    KVStoreEndpoint kvstoreEndpoint(ObjectProvider<KVStore> store, KVStoreEndpointProperties properties,
            Environment environment) {
        // The world size as the TCPStore configuration resolves it: the property, else torchrun's WORLD_SIZE.
        Integer worldSize = environment.getProperty("kvstore.tcp.world-size", Integer.class,
                environment.getProperty("WORLD_SIZE", Integer.class));
        return new KVStoreEndpoint(store::getIfUnique, worldSize, properties.getShowValues(), properties.getRoles(),
                properties.getTimeout());
    }

}
