package dev.kvstore.spring.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.health.KVStoreHealthIndicator;
import dev.kvstore.tcp.TcpKVStore;
import java.io.InputStream;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code kvstore} health indicator: present by default, switched off by its toggle or without actuator. */
class KVStoreHealthContributorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, KVStoreHealthContributorAutoConfiguration.class));

    @Test
    void indicatorReportsUpWithDetailsOfTheStore() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.namespace=job-1").run((context) -> {
            assertThat(context).hasSingleBean(KVStoreHealthIndicator.class);
            HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
            context.getBean(ManagedKVStore.class).awaitStarted();
            int port = ((TcpKVStore) context.getBean(ManagedKVStore.class).delegate()).port();
            // The first answer may come before the indicator's first background check: wait for that one.
            Health health = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(indicator::health, (answer) -> Status.UP.equals(answer.getStatus()));
            assertThat(health.getDetails()).containsEntry("backend", "tcp")
                .containsEntry("endpoint", "127.0.0.1:" + port + " (master)")
                .containsEntry("namespace", "job-1")
                .containsEntry("component", "tensorbus")
                .containsKey("latencyMillis");
        });
    }

    @Test
    void toggleSwitchesTheIndicatorOff() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "management.health.kvstore.enabled=false")
            .run((context) -> assertThat(context).hasSingleBean(KVStore.class)
                .doesNotHaveBean(KVStoreHealthIndicator.class)
                .doesNotHaveBean("kvstoreHealthContributor"));
    }

    @Test
    void defaultsToggleSwitchesTheIndicatorOffToo() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "management.health.defaults.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean("kvstoreHealthContributor"));
    }

    @Test
    void withoutSpringBootHealthOnTheClasspathThereIsNoIndicatorButAStore() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                    KVStoreHealthContributorAutoConfiguration.class))
            .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(KVStore.class)
                .doesNotHaveBean("kvstoreHealthContributor"));
    }

    @Test
    void autoConfigurationMetadataLetsBootSkipTheIndicatorBeforeLoadingActuatorClasses() throws Exception {
        Properties metadata = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-autoconfigure-metadata.properties")) {
            metadata.load(in);
        }
        String key = KVStoreHealthContributorAutoConfiguration.class.getName() + ".ConditionalOnClass";
        assertThat(metadata.getProperty(key))
            .contains(HealthIndicator.class.getName());
    }

    @Test
    void timeoutAndIntervalAreConfigurable() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "management.health.kvstore.timeout=750ms",
                "management.health.kvstore.interval=300ms")
            .run((context) -> {
                KVStoreHealthIndicatorProperties properties = context.getBean(KVStoreHealthIndicatorProperties.class);
                assertThat(properties.getTimeout()).isEqualTo(Duration.ofMillis(750));
                assertThat(properties.getInterval()).isEqualTo(Duration.ofMillis(300));
            });
    }

}
