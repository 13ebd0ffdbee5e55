package dev.kvstore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.health.KVStoreHealthContributorAutoConfiguration;
import dev.kvstore.spring.autoconfigure.metrics.KVStoreMetricsAutoConfiguration;
import dev.kvstore.spring.autoconfigure.observation.KVStoreObservationAutoConfiguration;
import dev.kvstore.testing.FreePorts;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** A whole Spring Boot application: the starter is found through its auto-configuration imports. */
@ExtendWith(OutputCaptureExtension.class)
class KVStoreApplicationTests {

    @Test
    void autoConfigurationsAreRegisteredInTheImportsFile() {
        assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
            .contains(KVStoreAutoConfiguration.class.getName(),
                    KVStoreHealthContributorAutoConfiguration.class.getName(),
                    KVStoreMetricsAutoConfiguration.class.getName(),
                    KVStoreObservationAutoConfiguration.class.getName());
    }

    @Test
    void applicationGetsAStoreWithHealthIndicatorAndMetrics() {
        try (ConfigurableApplicationContext context = application()
            .run("--kvstore.rank=0", "--kvstore.tcp.port=0", "--kvstore.namespace=app")) {
            KVStore store = context.getBean(KVStore.class);
            assertThat(store).isInstanceOf(ManagedKVStore.class);
            store.set("k", "v");
            assertThat(store.get("k")).contains("v");
            HealthIndicator health = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
            // The first answer may come before the indicator's first background check: wait for that one.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> Status.UP.equals(health.health().getStatus()));
            // Boot's observation and meter registry auto-configurations make the store's observations timers.
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get(DefaultKVStoreObservationConvention.OPERATIONS)
                .tags("operation", "set", "outcome", "success")
                .timer()
                .count()).isOne();
        }
    }

    @Test
    void invalidPropertyIsReportedByNameWhenTheApplicationFailsToStart(CapturedOutput output) {
        assertThatException().isThrownBy(() -> application().run("--kvstore.tcp.world-size=0"));
        assertThat(output).contains("APPLICATION FAILED TO START").contains("kvstore.tcp.world-size");
    }

    /** A server limit the builder rejects, reported by Spring Boot's failure analyzer with the property's name. */
    @Test
    void aRejectedServerLimitIsReportedByName(CapturedOutput output) {
        assertThatException().isThrownBy(() -> application().run("--kvstore.tcp.port=0",
                "--kvstore.tcp.server.max-pending-size=0B"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("Invalid value '0B' for configuration property 'kvstore.tcp.server.max-pending-size'")
            .contains("maxPendingBytes must be positive, got 0");
    }

    @Test
    void etcdWithoutReachableServerIsReportedWithTheEndpoint(CapturedOutput output) {
        String nobody = "http://127.0.0.1:" + FreePorts.pick();
        assertThatException().isThrownBy(() -> application().run("--kvstore.backend=etcd",
                "--kvstore.etcd.endpoints=" + nobody, "--kvstore.etcd.connect-timeout=1s"));
        assertThat(output).contains(nobody);
    }

    private static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

    }

}
