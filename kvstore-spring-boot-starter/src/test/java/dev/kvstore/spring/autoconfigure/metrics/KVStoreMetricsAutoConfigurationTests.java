package dev.kvstore.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.metrics.KVStoreRecipeMetrics;
import dev.kvstore.spring.metrics.KVStoreServerMetrics;
import dev.kvstore.tcp.TcpKVStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Micrometer metrics of the auto-configured store, recorded against a real TCPStore master. */
class KVStoreMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(
                AutoConfigurations.of(KVStoreMetricsAutoConfiguration.class, KVStoreAutoConfiguration.class));

    @Test
    void anEmbeddedMasterExportsWhetherItServesItsRestartsAndRefusals() {
        this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> {
                TcpKVStore master = (TcpKVStore) context.getBean(ManagedKVStore.class).delegate();
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                // The meters are bound once the store started in the context's lifecycle.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        registry.get(KVStoreServerMetrics.SERVING).gauge().value()).isEqualTo(1.0));
                assertThat(registry.get(KVStoreServerMetrics.LOOP_RESTARTS).functionCounter().count()).isZero();
                try (Socket hostile = new Socket(InetAddress.getLoopbackAddress(), master.port())) {
                    hostile.getOutputStream().write(99); // no opcode of any protocol generation
                    hostile.setSoTimeout(10_000);
                    assertThat(hostile.getInputStream().read()).as("closed by the master").isEqualTo(-1);
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(registry
                    .get(KVStoreServerMetrics.REFUSALS).tags("reason", "protocol_violation").functionCounter().count())
                    .isEqualTo(1.0));
                assertThat(registry.get(KVStoreServerMetrics.REFUSALS)
                    .tags("reason", "store_full").functionCounter().count()).isZero();
            });
    }

    @Test
    void anEmbeddedMasterExportsItsConnectionsKeysBytesAndPendingWaits() throws Exception {
        this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("kvstore.tcp.port=0", "kvstore.namespace=gauges")
            .run((context) -> {
                TcpKVStore master = (TcpKVStore) context.getBean(ManagedKVStore.class).delegate();
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(registry.find(KVStoreServerMetrics.KEYS).gauge()).isNotNull());
                double connections = gauge(registry, KVStoreServerMetrics.CONNECTIONS);
                double keys = gauge(registry, KVStoreServerMetrics.KEYS);
                double bytes = gauge(registry, KVStoreServerMetrics.STORED_BYTES);
                assertThat(gauge(registry, KVStoreServerMetrics.PENDING_WAITS)).isZero();
                try (TcpKVStore worker = TcpKVStore.builder()
                    .port(master.port())
                    .master(false)
                    .namespace("gauges")
                    .build()) {
                    worker.set("a", "12345");
                    worker.set("b", "678");
                    CompletableFuture<byte[]> waiting = CompletableFuture
                        .supplyAsync(() -> worker.withComponent("w").waitForKey("late", Duration.ofSeconds(60)));
                    await().atMost(Duration.ofSeconds(20)).untilAsserted(
                            () -> assertThat(gauge(registry, KVStoreServerMetrics.PENDING_WAITS)).isEqualTo(1.0));
                    assertThat(gauge(registry, KVStoreServerMetrics.CONNECTIONS)).isGreaterThan(connections);
                    assertThat(gauge(registry, KVStoreServerMetrics.KEYS)).isEqualTo(keys + 2);
                    assertThat(gauge(registry, KVStoreServerMetrics.STORED_BYTES)).as("keys and values")
                        .isGreaterThanOrEqualTo(bytes + "a".length() + 5 + "b".length() + 3);
                    master.withComponent("w").set("late", "now");
                    assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("now".getBytes());
                    await().atMost(Duration.ofSeconds(20)).untilAsserted(
                            () -> assertThat(gauge(registry, KVStoreServerMetrics.PENDING_WAITS)).isZero());
                }
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                        gauge(registry, KVStoreServerMetrics.CONNECTIONS)).isEqualTo(connections));
            });
    }

    private static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void noMetricsWithoutAMeterRegistryBean() {
        this.runner.withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(context).hasSingleBean(KVStore.class)
                .doesNotHaveBean(KVStoreRecipeMetrics.class));
    }

    @Test
    void noMetricsWithoutMicrometerOnTheClasspath() {
        this.runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(KVStore.class)
                .doesNotHaveBean(KVStoreRecipeMetrics.class));
    }

}
