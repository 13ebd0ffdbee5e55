package dev.kvstore.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** When the {@code kvstore} endpoint exists: a store bean, and the endpoint exposed and not switched off. */
class KVStoreEndpointAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                KVStoreEndpointAutoConfiguration.class))
        .withPropertyValues("kvstore.rank=0", "kvstore.tcp.port=0");

    @Test
    void absentUnlessExposed() {
        this.runner.run((context) -> assertThat(context).doesNotHaveBean(KVStoreEndpoint.class));
    }

    @Test
    void presentWhenExposedOnTheWeb() {
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=kvstore").run((context) -> {
            assertThat(context).hasSingleBean(KVStoreEndpoint.class);
            context.getBean(ManagedKVStore.class).awaitStarted();
            KVStoreDescriptor descriptor = context.getBean(KVStoreEndpoint.class)
                .kvstore(SecurityContext.NONE, null, null);
            assertThat(descriptor.backend()).isEqualTo("tcp");
            assertThat(descriptor.master()).isNotNull();
            assertThat(descriptor.startup()).isEqualTo("ready");
            assertThat(descriptor.error()).isNull();
        });
    }

    @Test
    void describesAStoreThatIsNotReadyYetWithoutWaitingForIt() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                    KVStoreEndpointAutoConfiguration.class))
            .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.endpoints=http://127.0.0.1:" + FreePorts.pick(),
                    "management.endpoints.web.exposure.include=kvstore")
            .run((context) -> {
                KVStoreDescriptor descriptor = context.getBean(KVStoreEndpoint.class)
                    .kvstore(SecurityContext.NONE, null, null);
                assertThat(descriptor.backend()).isEqualTo("etcd");
                assertThat(descriptor.startup()).isNotEqualTo("ready");
                assertThat(descriptor.etcd()).isNull();
            });
    }

    @Test
    void absentWhenItsAccessIsNone() {
        this.runner
            .withPropertyValues("management.endpoints.web.exposure.include=kvstore",
                    "management.endpoint.kvstore.access=NONE")
            .run((context) -> assertThat(context).doesNotHaveBean(KVStoreEndpoint.class));
    }

    @Test
    void absentWithoutAStore() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=kvstore")
            .run((context) -> assertThat(context).doesNotHaveBean(KVStoreEndpoint.class));
    }

    @Test
    void aUserDefinedEndpointWins() {
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=kvstore")
            .withBean("myEndpoint", KVStoreEndpoint.class,
                    () -> new KVStoreEndpoint(() -> null, null, org.springframework.boot.actuate.endpoint.Show.NEVER,
                            java.util.List.of(), java.time.Duration.ofSeconds(1)))
            .run((context) -> assertThat(context).hasSingleBean(KVStoreEndpoint.class).hasBean("myEndpoint"));
    }

}
