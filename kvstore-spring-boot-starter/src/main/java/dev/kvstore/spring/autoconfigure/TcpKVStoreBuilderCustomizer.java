package dev.kvstore.spring.autoconfigure;

import dev.kvstore.tcp.TcpKVStore;

/**
 * Customizes the {@link TcpKVStore.Builder} of the auto-configured store after the {@code kvstore.*} properties were
 * applied and before it connects.
 */
@FunctionalInterface
public interface TcpKVStoreBuilderCustomizer {

    /**
     * Customize the builder.
     * @param builder the builder, already configured from the properties
     */
    void customize(TcpKVStore.Builder builder);

}
