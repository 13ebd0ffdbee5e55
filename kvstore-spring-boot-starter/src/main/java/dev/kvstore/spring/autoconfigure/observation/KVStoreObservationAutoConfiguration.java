package dev.kvstore.spring.autoconfigure.observation;

import dev.kvstore.spring.KVStoreObservationConvention;
import dev.kvstore.spring.KVStoreObservations;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of {@link KVStoreObservations}: every operation of the
 * auto-configured store, and of {@code KVStore} beans of the application, is a Micrometer Observation when an
 * {@link ObservationRegistry} bean exists (Spring Boot's observation auto-configuration makes one; with its meter
 * handler the observations become timers and long-task timers, with a tracer spans). A
 * {@link KVStoreObservationConvention} bean replaces the default convention.
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
public final class KVStoreObservationAutoConfiguration {

    KVStoreObservationAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    KVStoreObservations kvStoreObservations(ObservationRegistry observationRegistry,
            ObjectProvider<KVStoreObservationConvention> convention) {
        return new KVStoreObservations(observationRegistry, convention.getIfUnique());
    }

    /** Static: a post-processor is created before other beans; it resolves the observations only when it wraps. */
    @Bean
    static KVStoreObservationBeanPostProcessor kvStoreObservationBeanPostProcessor(
            ObjectProvider<KVStoreObservations> observations) {
        return new KVStoreObservationBeanPostProcessor(observations);
    }

}
