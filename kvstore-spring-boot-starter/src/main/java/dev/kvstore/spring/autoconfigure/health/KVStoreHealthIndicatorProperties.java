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
     * How long a check waits for the store's answer before it counts as DOWN. Checks run in the background; a health
     * request answers at once from the last one.
     */
    private Duration timeout = Duration.ofSeconds(5);

    /**
     * The pause between two background checks of the store, which run while health is asked for.
     */
    private Duration interval = Duration.ofSeconds(2);

    public Duration getTimeout() {
        return this.timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getInterval() {
        return this.interval;
    }

    public void setInterval(Duration interval) {
        this.interval = interval;
    }

}
