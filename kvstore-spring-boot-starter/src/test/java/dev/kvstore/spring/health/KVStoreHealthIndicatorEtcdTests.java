package dev.kvstore.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
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

/**
 * The health indicator against a real etcd that stops and comes back: every answer comes from the background check's
 * state, so it is bounded however long etcd does not answer; UP again only when a write through the store succeeds.
 */
@RequiresEtcd
class KVStoreHealthIndicatorEtcdTests {

    /**
     * A health answer that came from state: generous against a loaded machine, and still well below the check's own
     * timeout (the 5 s default), which is what a request used to wait while etcd was down.
     */
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(3);

    /** As long as the outage after which readiness said UP about 20 s before writes worked again. */
    private static final Duration OUTAGE = Duration.ofSeconds(40);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, KVStoreHealthContributorAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.request-timeout=10s");

    @Test
    void answersFromStateDuringAnOutageAndIsUpAgainOnlyWhenAPutSucceeds() {
        try (EtcdServer server = EtcdServer.start()) {
            this.runner.withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint()).run((context) -> {
                HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
                KVStore store = context.getBean(KVStore.class);
                context.getBean(ManagedKVStore.class).awaitStarted();
                await().atMost(Duration.ofSeconds(30)).until(() -> bounded(indicator).getStatus() == Status.UP);
                assertThat(indicator.health().getDetails()).containsKeys("checkedAt", "latencyMillis", "leader");

                server.stop();
                Health down = await().atMost(Duration.ofSeconds(30)).until(() -> bounded(indicator),
                        (health) -> health.getStatus() == Status.DOWN);
                assertThat(down.getDetails()).containsKey("error").containsEntry("endpoint", server.endpoint())
                    .containsEntry("backend", "etcd");
                // Throughout the outage each answer is DOWN and bounded, though each check waits 5 s for etcd.
                await().during(OUTAGE).atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> bounded(indicator).getStatus() == Status.DOWN);

                server.start(EtcdServer.START_TIMEOUT);
                await().atMost(Duration.ofSeconds(120)).until(() -> bounded(indicator).getStatus() == Status.UP);
                // UP means a call works now: a write through the same store succeeds at once after it.
                store.set("after-outage", "written");
                assertThat(store.get("after-outage")).hasValue("written");
            });
        }
    }

    /** @return the indicator's answer, asserting that it came within {@link #ANSWER_BOUND} */
    private static Health bounded(HealthIndicator indicator) {
        long start = System.nanoTime();
        Health health = indicator.health();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to answer a health request")
            .isLessThan(ANSWER_BOUND);
        return health;
    }

}
