package dev.kvstore.spring.autoconfigure.health;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the {@code kvstore} health indicator ({@link dev.kvstore.spring.health.KVStoreHealthIndicator}),
 * {@code management.health.kvstore.*}.
 */
@ConfigurationProperties("management.health.kvstore")
public class KVStoreHealthIndicatorProperties {

    /**
     * How long a health check waits for the store's round trip before reporting DOWN. Spring Boot does not time out
     * health checks, so the indicator bounds its own.
     */
    private Duration timeout = Duration.ofSeconds(5);

    public Duration getTimeout() {
        return this.timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

}
