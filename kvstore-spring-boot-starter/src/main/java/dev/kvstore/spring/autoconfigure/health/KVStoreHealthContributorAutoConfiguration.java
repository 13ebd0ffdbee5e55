package dev.kvstore.spring.autoconfigure.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.health.KVStoreHealthIndicator;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.CompositeHealthContributorConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the {@code kvstore} {@link KVStoreHealthIndicator} for every
 * {@link KVStore} bean (a composite when there are several). Switched off by
 * {@code management.health.kvstore.enabled=false}.
 */
@AutoConfiguration(after = KVStoreAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(KVStore.class)
@ConditionalOnEnabledHealthIndicator("kvstore")
@EnableConfigurationProperties(KVStoreHealthIndicatorProperties.class)
public final class KVStoreHealthContributorAutoConfiguration
        extends CompositeHealthContributorConfiguration<KVStoreHealthIndicator, KVStore> {

    KVStoreHealthContributorAutoConfiguration(KVStoreHealthIndicatorProperties properties) {
        super((store) -> new KVStoreHealthIndicator(store, properties.getTimeout(),
                properties.getInterval()));
    }

    @Bean
    @ConditionalOnMissingBean(name = { "kvstoreHealthIndicator", "kvstoreHealthContributor" })
    HealthContributor kvstoreHealthContributor(ConfigurableListableBeanFactory beanFactory) {
        return createContributor(beanFactory, KVStore.class);
    }

}
