package dev.kvstore.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * The auto-configuration a {@link KVStoreTest @KVStoreTest} imports: the store's, listed in
 * {@code META-INF/spring/dev.kvstore.spring.test.AutoConfigureKVStore.imports}. Most tests use
 * {@link KVStoreTest @KVStoreTest} rather than this annotation directly.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureKVStore {

}
