package dev.kvstore.spring.actuate.endpoint;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code kvstore} actuator endpoint.
 */
@ConfigurationProperties("management.endpoint.kvstore")
public class KVStoreEndpointProperties {

    /**
     * When to show the values of keys: never (the default), always, or when-authorized (to users in one of the
     * roles, or to any authenticated user if no roles are set).
     */
    private Show showValues = Show.NEVER;

    /**
     * Roles that may see values when show-values is when-authorized. When empty, any authenticated user may.
     */
    private final Set<String> roles = new LinkedHashSet<>();

    /**
     * Bound of each backend call the endpoint makes (the master's snapshot, etcd's status and key reads).
     */
    private Duration timeout = Duration.ofSeconds(5);

    public Show getShowValues() {
        return this.showValues;
    }

    public void setShowValues(Show showValues) {
        this.showValues = showValues;
    }

    public Set<String> getRoles() {
        return this.roles;
    }

    public Duration getTimeout() {
        return this.timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

}
