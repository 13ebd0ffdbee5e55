package dev.kvstore.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.autoconfigure.OverrideAutoConfiguration;
import org.springframework.boot.test.context.filter.annotation.TypeExcludeFilters;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.BootstrapWith;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * A test of the code around a {@code KVStore} that starts only the store: the store's auto-configuration
 * ({@link AutoConfigureKVStore}), the builder customizers among the application's components, and an embedded
 * TCPStore master of its own on a free port ({@link AutoConfigureEmbeddedKVStore}). The rest of the application
 * (its other components, web server, actuator, ...) is not started. Add the beans under test with
 * {@code @Import} or {@link #includeFilters()}.
 *
 * <pre>{@code
 * @KVStoreTest
 * @Import(RendezvousService.class)
 * class RendezvousServiceTests {
 *
 *     @Autowired RendezvousService service;
 *
 *     @Autowired KVStore store;
 * }
 * }</pre>
 *
 * <p>To test against a given etcd instead of the embedded master, declare the backend on the test class (a directly
 * declared {@code @TestPropertySource} wins over the embedded master's properties) and its address as a property or
 * an {@code EtcdConnectionDetails} bean (for example a {@code @ServiceConnection} container):
 *
 * <pre>{@code
 * @KVStoreTest
 * @TestPropertySource(properties = "kvstore.backend=etcd")
 * class OnEtcdTests {
 *
 *     @DynamicPropertySource
 *     static void etcd(DynamicPropertyRegistry registry) {
 *         registry.add("kvstore.etcd.endpoints", () -> "http://127.0.0.1:2379");
 *     }
 * }
 * }</pre>
 *
 * <p>Needs {@code spring-boot-test-autoconfigure} and JUnit Jupiter on the test class path
 * ({@code spring-boot-starter-test} brings both).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@BootstrapWith(KVStoreTestContextBootstrapper.class)
@ExtendWith(SpringExtension.class)
@OverrideAutoConfiguration(enabled = false)
@TypeExcludeFilters(KVStoreTypeExcludeFilter.class)
@AutoConfigureKVStore
@AutoConfigureEmbeddedKVStore
@ImportAutoConfiguration
public @interface KVStoreTest {

    /**
     * Properties ({@code key=value}) added to the Environment before the test runs. They rank below the embedded
     * master's own properties; see the class description for changing those.
     * @return the properties to add
     */
    String[] properties() default {};

    /**
     * Whether the default filtering of {@code @SpringBootApplication}'s component scan applies: only the
     * {@code TcpKVStoreBuilderCustomizer}, {@code EtcdKVStoreBuilderCustomizer} and {@code EtcdClientBuilderCustomizer}
     * components of the application are included.
     * @return whether the default filters are used
     */
    boolean useDefaultFilters() default true;

    /**
     * Include filters that add otherwise filtered components to the application context.
     * @return the include filters
     */
    Filter[] includeFilters() default {};

    /**
     * Exclude filters that remove components that would otherwise be added to the application context.
     * @return the exclude filters
     */
    Filter[] excludeFilters() default {};

    /**
     * Auto-configurations to leave out of this test.
     * @return the auto-configurations to exclude
     */
    @AliasFor(annotation = ImportAutoConfiguration.class, attribute = "exclude")
    Class<?>[] excludeAutoConfiguration() default {};

}
