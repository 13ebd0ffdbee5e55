package dev.kvstore.spring.autoconfigure;

import dev.kvstore.etcd.EtcdKVStore;

/**
 * Customizes the {@link EtcdKVStore.Builder} of the auto-configured store after the {@code kvstore.*} properties and
 * the {@link EtcdConnectionDetails} were applied and before it connects.
 */
@FunctionalInterface
public interface EtcdKVStoreBuilderCustomizer {

    /**
     * Customize the builder.
     * @param builder the builder, already configured from the properties
     */
    void customize(EtcdKVStore.Builder builder);

}
