package dev.kvstore.spring.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Maps the torchrun variables ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}) to the
 * {@code kvstore.*} properties they default, as a property source of the lowest precedence (only above
 * {@code SpringApplication}'s default properties): any {@code kvstore.*} property set elsewhere wins, and
 * {@code /actuator/configprops} shows the values in use with their variable as origin. A variable that is not a
 * valid number fails startup naming it.
 *
 * <p>The auto-configuration still reads the variables itself as well, so contexts built without a
 * {@link SpringApplication} (for example {@code ApplicationContextRunner}) behave the same.
 */
class TorchrunEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** Name of the property source this adds. */
    static final String PROPERTY_SOURCE_NAME = "kvstoreTorchrunEnvironment";

    /** After the config data (application.yml, profiles) is loaded, so that RANK=... there counts too. */
    private static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        TorchrunEnvironment torchrun = TorchrunEnvironment.from(environment);
        Map<String, Object> properties = new LinkedHashMap<>();
        Map<String, String> variables = new LinkedHashMap<>();
        put(properties, variables, "kvstore.tcp.host", TorchrunEnvironment.MASTER_ADDR, torchrun.masterAddr());
        put(properties, variables, "kvstore.tcp.port", TorchrunEnvironment.MASTER_PORT, torchrun.masterPort());
        put(properties, variables, "kvstore.rank", TorchrunEnvironment.RANK, torchrun.rank());
        put(properties, variables, "kvstore.tcp.world-size", TorchrunEnvironment.WORLD_SIZE, torchrun.worldSize());
        if (properties.isEmpty()) {
            return;
        }
        environment.getPropertySources().remove(PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addLast(new TorchrunPropertySource(properties, variables));
        DefaultPropertiesPropertySource.moveToEnd(environment);
    }

    private static void put(Map<String, Object> properties, Map<String, String> variables, String property,
            String variable, @Nullable Object value) {
        if (value != null) {
            properties.put(property, value.toString());
            variables.put(property, variable);
        }
    }

    /** The mapped values, each with the torchrun variable it came from as its origin. */
    private static final class TorchrunPropertySource extends MapPropertySource implements OriginLookup<String> {

        private final Map<String, String> variables;

        TorchrunPropertySource(Map<String, Object> properties, Map<String, String> variables) {
            super(PROPERTY_SOURCE_NAME, properties);
            this.variables = variables;
        }

        @Override
        public @Nullable Origin getOrigin(String key) {
            String variable = this.variables.get(key);
            return (variable != null) ? new TorchrunVariableOrigin(variable) : null;
        }

    }

    /** Origin of a value mapped from a torchrun variable. */
    private record TorchrunVariableOrigin(String variable) implements Origin {

        @Override
        public String toString() {
            return "torchrun environment variable " + this.variable;
        }

    }

}
