package dev.kvstore.spring.autoconfigure.metrics;

import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.metrics.KVStoreMetrics;
import dev.kvstore.spring.metrics.KVStoreRecipeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of {@link KVStoreMetrics}: timers of the auto-configured
 * store's operations and waits, and counters of its timeouts, and {@link KVStoreRecipeMetrics}: gauges of held locks
 * and live leases, when a {@link MeterRegistry} bean exists.
 */
@AutoConfiguration(before = KVStoreAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class KVStoreMetricsAutoConfiguration {

    KVStoreMetricsAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    KVStoreMetrics kvStoreMetrics(MeterRegistry meterRegistry) {
        return new KVStoreMetrics(meterRegistry);
    }

    @Bean
    @ConditionalOnMissingBean
    KVStoreRecipeMetrics kvStoreRecipeMetrics() {
        return new KVStoreRecipeMetrics();
    }

}
