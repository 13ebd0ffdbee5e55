package dev.kvstore.spring.test.slice;

import dev.kvstore.spring.autoconfigure.TcpKVStoreBuilderCustomizer;
import dev.kvstore.tcp.TcpKVStore;
import org.springframework.stereotype.Component;

/** Shapes the store: part of a {@code @KVStoreTest} slice. */
@Component
class ComponentNameCustomizer implements TcpKVStoreBuilderCustomizer {

    @Override
    public void customize(TcpKVStore.Builder builder) {
        builder.component("from-customizer");
    }

}
