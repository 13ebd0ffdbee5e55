package dev.kvstore.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/** The rank of this process and whether it cleans up the namespace: {@code kvstore.cleanup} applies to rank 0 only. */
record ProcessRole(int rank, boolean cleanup) {

    private static final Logger logger = LoggerFactory.getLogger(ProcessRole.class);

    /**
     * @throws InvalidConfigurationPropertyValueException if {@code kvstore.rank} is negative
     */
    static ProcessRole of(KVStoreProperties properties, TorchrunEnvironment torchrun) {
        Integer configured = properties.getRank();
        if (configured != null && configured < 0) {
            throw new InvalidConfigurationPropertyValueException("kvstore.rank", configured, "must not be negative");
        }
        int rank = (configured != null) ? configured : (torchrun.rank() != null) ? torchrun.rank() : 0;
        if (properties.isCleanup() && rank != 0) {
            logger.info("kvstore.cleanup is ignored on rank {}: only rank 0 deletes the namespace '{}'", rank,
                    properties.getNamespace());
        }
        return new ProcessRole(rank, properties.isCleanup() && rank == 0);
    }

}
