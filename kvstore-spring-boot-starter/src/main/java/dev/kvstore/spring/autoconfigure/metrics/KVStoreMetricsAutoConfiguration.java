package dev.kvstore.spring.autoconfigure.metrics;

import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.api.KVStore;
import dev.kvstore.spring.metrics.KVStoreRecipeMetrics;
import dev.kvstore.spring.metrics.KVStoreServerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of the meters of the store when a {@link MeterRegistry} bean
 * exists: {@link KVStoreServerMetrics} of an embedded TCPStore master, and {@link KVStoreRecipeMetrics}, gauges of
 * held locks and live leases. (The timers of the store's operations come from its Observations, see
 * {@code KVStoreObservationAutoConfiguration}.)
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
    KVStoreRecipeMetrics kvStoreRecipeMetrics() {
        return new KVStoreRecipeMetrics();
    }

    /** Binds once every singleton exists: the stores depend on the metrics, not the other way round. */
    @Bean
    SmartInitializingSingleton kvStoreServerMetricsBinder(MeterRegistry meterRegistry,
            ObjectProvider<KVStore> stores) {
        return () -> stores.orderedStream()
            .forEach((store) -> KVStoreServerMetrics.bindEmbeddedMaster(meterRegistry, store));
    }

}
