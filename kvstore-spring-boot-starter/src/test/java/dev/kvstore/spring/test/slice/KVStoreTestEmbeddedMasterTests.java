package dev.kvstore.spring.test.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.test.KVStoreTest;
import dev.kvstore.tcp.client.TcpStoreClient;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.context.ApplicationContext;

/**
 * {@link KVStoreTest @KVStoreTest} against its embedded master: the store works, the slice holds the store's
 * auto-configuration and customizers and nothing else of the application.
 */
@KVStoreTest(properties = "kvstore.namespace=slice")
class KVStoreTestEmbeddedMasterTests {

    @Autowired
    KVStore store;

    @Autowired
    ApplicationContext context;

    @Value("${local.kvstore.tcp.port}")
    int port;

    @Test
    void theStoreRunsOnAnEmbeddedMasterOfItsOwn() {
        this.store.set("k", "v");
        assertThat(((ManagedKVStore) this.store).endpoint()).isEqualTo("127.0.0.1:" + this.port + " (master)");
        assertThat(this.port).isNotEqualTo(29500);
        // The application's customizer shaped the store (component), the slice's properties its namespace.
        try (TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", this.port, Duration.ofSeconds(30))) {
            assertThat(new String(client.get("slice/from-customizer/k"), StandardCharsets.UTF_8)).isEqualTo("v");
        }
    }

    @Test
    void theSliceLeavesOutTheRestOfTheApplication() {
        assertThat(this.context.getBeansOfType(ComponentNameCustomizer.class)).hasSize(1);
        assertThat(this.context.getBeansOfType(ApplicationService.class)).isEmpty();
        // Auto-configurations on the class path but outside the slice: observations, health, metrics.
        assertThat(this.context.getBeanNamesForType(ObservationRegistry.class)).isEmpty();
        assertThat(this.context.getBeanDefinitionNames())
            .noneMatch((name) -> name.contains("Health") || name.contains("Metrics") || name.contains("LockRegistry"));
        assertThat(ConfigurationPropertiesBean.getAll(this.context).keySet())
            .allMatch((name) -> name.startsWith("kvstore-"));
    }

}
