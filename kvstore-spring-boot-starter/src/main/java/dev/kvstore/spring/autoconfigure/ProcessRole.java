package dev.kvstore.spring.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The rank of this process and whether it cleans up the namespace: {@code kvstore.cleanup} applies to rank 0 only. */
record ProcessRole(int rank, boolean cleanup) {

    private static final Logger logger = LoggerFactory.getLogger(ProcessRole.class);

    static ProcessRole of(KVStoreProperties properties, TorchrunEnvironment torchrun) {
        int rank = (properties.getRank() != null) ? properties.getRank()
                : (torchrun.rank() != null) ? torchrun.rank() : 0;
        if (properties.isCleanup() && rank != 0) {
            logger.info("kvstore.cleanup is ignored on rank {}: only rank 0 deletes the namespace '{}'", rank,
                    properties.getNamespace());
        }
        return new ProcessRole(rank, properties.isCleanup() && rank == 0);
    }

}
