package dev.kvstore.spring.test;

import dev.kvstore.spring.autoconfigure.EtcdClientBuilderCustomizer;
import dev.kvstore.spring.autoconfigure.EtcdKVStoreBuilderCustomizer;
import dev.kvstore.spring.autoconfigure.TcpKVStoreBuilderCustomizer;
import java.util.Set;
import org.springframework.boot.test.context.filter.annotation.StandardAnnotationCustomizableTypeExcludeFilter;

/**
 * The component scan of a {@link KVStoreTest @KVStoreTest}: of the application's components only the store's builder
 * customizers, which shape the store under test.
 */
class KVStoreTypeExcludeFilter extends StandardAnnotationCustomizableTypeExcludeFilter<KVStoreTest> {

    private static final Set<Class<?>> KNOWN_INCLUDES = Set.of(TcpKVStoreBuilderCustomizer.class,
            EtcdKVStoreBuilderCustomizer.class, EtcdClientBuilderCustomizer.class);

    KVStoreTypeExcludeFilter(Class<?> testClass) {
        super(testClass);
    }

    @Override
    protected Set<Class<?>> getKnownIncludes() {
        return KNOWN_INCLUDES;
    }

}
