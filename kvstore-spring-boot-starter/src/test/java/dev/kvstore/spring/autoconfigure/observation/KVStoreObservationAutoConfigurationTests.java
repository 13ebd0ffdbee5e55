package dev.kvstore.spring.autoconfigure.observation;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.DefaultKVStoreObservationConvention;
import dev.kvstore.spring.KVStoreObservationConvention;
import dev.kvstore.spring.KVStoreObservations;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.tcp.TcpKVStore;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Observations of the auto-configured store and of the application's own KVStore beans, against real masters. */
class KVStoreObservationAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(KVStoreObservationAutoConfiguration.class, KVStoreAutoConfiguration.class));

    @Test
    void theAutoConfiguredStoreIsObserved() {
        this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> {
                assertThat(context).hasSingleBean(KVStoreObservations.class);
                context.getBean(KVStore.class).set("k", "v");
                assertThat(context.getBean(TestObservationRegistry.class)).hasSingleObservationThat()
                    .hasNameEqualTo(DefaultKVStoreObservationConvention.OPERATIONS)
                    .hasLowCardinalityKeyValue("operation", "set")
                    .hasLowCardinalityKeyValue("backend", "tcp");
            });
    }

    @Test
    void aConventionBeanReplacesTheDefault() {
        this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
            .withBean(KVStoreObservationConvention.class, () -> new DefaultKVStoreObservationConvention("job.store"))
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> {
                context.getBean(KVStore.class).exists("k");
                assertThat(context.getBean(TestObservationRegistry.class)).hasSingleObservationThat()
                    .hasNameEqualTo("job.store");
            });
    }

    @Test
    void anApplicationStoreDeclaredAsKVStoreIsObservedAndStillClosedByItsOwnBean() {
        TcpKVStore[] created = new TcpKVStore[1];
        this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
            .withBean("jobStore", KVStore.class, () -> created[0] = TcpKVStore.builder().port(0).master(true).build())
            .run((context) -> {
                KVStore store = context.getBean(KVStore.class);
                assertThat(store).isInstanceOf(ManagedKVStore.class);
                assertThat(((ManagedKVStore) store).delegate()).isSameAs(created[0]);
                store.set("k", "v");
                assertThat(created[0].get("k")).contains("v");
                assertThat(context.getBean(TestObservationRegistry.class)).hasSingleObservationThat()
                    .hasLowCardinalityKeyValue("operation", "set")
                    .hasLowCardinalityKeyValue("backend", "tcp");
            });
        assertThat(created[0].toString()).isNotNull();
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
            .as("the application's bean was closed on shutdown")
            .isThrownBy(() -> created[0].exists("k"));
    }

    @Test
    void anApplicationStoreDeclaredAsAConcreteTypeIsLeftAsItIs() {
        this.runner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
            .withBean("jobStore", TcpKVStore.class, () -> TcpKVStore.builder().port(0).master(true).build())
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(KVStore.class)).isInstanceOf(TcpKVStore.class);
                assertThat(context.getBean(TcpKVStore.class)).isNotNull();
            });
    }

    @Test
    void nothingWithoutAnObservationRegistry() {
        this.runner.withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(KVStore.class)
                .doesNotHaveBean(KVStoreObservations.class));
    }

}
