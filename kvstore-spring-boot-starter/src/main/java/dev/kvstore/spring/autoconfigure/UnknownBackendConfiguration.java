package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Fails startup naming {@code kvstore.backend} and its valid values when it names no backend. Without it no store
 * configuration would match, and an application injecting the store would only learn that no {@link KVStore} bean
 * exists.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(UnknownBackendConfiguration.UnknownBackendCondition.class)
class UnknownBackendConfiguration {

    static final String PROPERTY = "kvstore.backend";

    @Bean
    @ConditionalOnMissingBean(KVStore.class)
    ManagedKVStore kvStore(org.springframework.core.env.Environment environment) {
        throw new InvalidConfigurationPropertyValueException(PROPERTY, environment.getProperty(PROPERTY),
                "unknown backend; the valid values are: " + validValues());
    }

    private static String validValues() {
        return Arrays.stream(KVStoreProperties.Backend.values())
            .map((backend) -> backend.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    }

    /** Matches when {@code kvstore.backend} is set to a value that names no {@link KVStoreProperties.Backend}. */
    static class UnknownBackendCondition extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String value = context.getEnvironment().getProperty(PROPERTY);
            if (value == null) {
                return ConditionOutcome.noMatch(PROPERTY + " is not set");
            }
            String normalized = value.trim().replace("-", "").replace("_", "");
            boolean known = Arrays.stream(KVStoreProperties.Backend.values())
                .anyMatch((backend) -> backend.name().equalsIgnoreCase(normalized));
            return known ? ConditionOutcome.noMatch(PROPERTY + "=" + value + " names a backend")
                    : ConditionOutcome.match(PROPERTY + "=" + value + " names no backend");
        }

    }

}
