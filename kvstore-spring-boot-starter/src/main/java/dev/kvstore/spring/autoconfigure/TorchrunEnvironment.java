package dev.kvstore.spring.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.Environment;

/**
 * The variables torchrun (and {@code torch.distributed.launch}) set for every process of a job, read from the Spring
 * {@link Environment} (which includes the system environment). Each is {@code null} when not set.
 */
record TorchrunEnvironment(@Nullable String masterAddr, @Nullable Integer masterPort, @Nullable Integer rank,
        @Nullable Integer worldSize) {

    static final String MASTER_ADDR = "MASTER_ADDR";

    static final String MASTER_PORT = "MASTER_PORT";

    static final String RANK = "RANK";

    static final String WORLD_SIZE = "WORLD_SIZE";

    /**
     * @throws InvalidConfigurationPropertyValueException if a variable is set but not a valid number
     */
    static TorchrunEnvironment from(Environment environment) {
        String masterAddr = environment.getProperty(MASTER_ADDR);
        return new TorchrunEnvironment((masterAddr == null || masterAddr.isBlank()) ? null : masterAddr.trim(),
                integer(environment, MASTER_PORT, 0, 65535), integer(environment, RANK, 0, Integer.MAX_VALUE),
                integer(environment, WORLD_SIZE, 1, Integer.MAX_VALUE));
    }

    private static @Nullable Integer integer(Environment environment, String name, int min, int max) {
        String text = environment.getProperty(name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ex) {
            // reported below
        }
        throw new InvalidConfigurationPropertyValueException(name, text,
                "the torchrun environment variable must be an integer in " + min + ".." + max);
    }

}
