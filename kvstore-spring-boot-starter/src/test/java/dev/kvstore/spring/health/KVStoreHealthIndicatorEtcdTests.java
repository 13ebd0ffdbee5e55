package dev.kvstore.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.health.KVStoreHealthContributorAutoConfiguration;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health indicator against a real etcd that stops and comes back. */
@RequiresEtcd
class KVStoreHealthIndicatorEtcdTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, KVStoreHealthContributorAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.request-timeout=2s",
                "management.health.kvstore.timeout=2s");

    @Test
    void downWithinItsTimeoutWhileEtcdIsStoppedAndUpAgainAfterARestart() {
        try (EtcdServer server = EtcdServer.start()) {
            this.runner.withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint()).run((context) -> {
                HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
                context.getBean(ManagedKVStore.class).awaitStarted();
                assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                server.stop();
                Health down = indicator.health();
                assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                assertThat(down.getDetails()).containsKey("error")
                    .containsEntry("endpoint", server.endpoint())
                    .containsEntry("backend", "etcd");
                server.start(EtcdServer.START_TIMEOUT);
                await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.UP));
            });
        }
    }

}
