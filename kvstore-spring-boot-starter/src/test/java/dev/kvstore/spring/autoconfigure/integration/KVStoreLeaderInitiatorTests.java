package dev.kvstore.spring.autoconfigure.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.integration.leader.event.AbstractLeaderEvent;
import org.springframework.integration.leader.event.OnGrantedEvent;
import org.springframework.integration.leader.event.OnRevokedEvent;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.DefaultLockRegistry;

/**
 * {@code kvstore.integration.leader.*}: two application contexts, clients of one real TCPStore master, elect one
 * leader through the auto-configured {@link LockRegistryLeaderInitiator}, hand leadership over when the leader's
 * context closes, and publish Spring Integration's leader events.
 */
class KVStoreLeaderInitiatorTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private TcpStoreServer master;

    private ApplicationContextRunner runner;

    @BeforeEach
    void startMaster() {
        this.master = TcpStoreServer.builder().port(0).build().start();
        this.runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                    KVStoreLockRegistryAutoConfiguration.class))
            .withPropertyValues("kvstore.tcp.master=false", "kvstore.tcp.port=" + this.master.port(),
                    "kvstore.namespace=leader-" + UUID.randomUUID(), "kvstore.integration.leader.enabled=true",
                    "kvstore.integration.leader.role=scheduler")
            .withBean(LeaderEvents.class);
    }

    @AfterEach
    void stopMaster() {
        this.master.close();
    }

    @Test
    void noLeaderInitiatorUnlessAskedFor() {
        this.runner.withPropertyValues("kvstore.integration.leader.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LockRegistryLeaderInitiator.class));
    }

    @Test
    void backsOffForTheApplicationsOwnLeaderInitiator() {
        this.runner.withBean("own", LockRegistryLeaderInitiator.class,
                () -> new LockRegistryLeaderInitiator(new DefaultLockRegistry()))
            .run((context) -> assertThat(context).hasSingleBean(LockRegistryLeaderInitiator.class)
                .hasBean("own"));
    }

    @Test
    void oneLeaderAndTheOtherTakesOverWhenItsContextCloses() {
        handOver(this.runner);
    }

    /** Two contexts of the runner: one leader, the other granted when the leader's context closes; their events. */
    static void handOver(ApplicationContextRunner runner) {
        runner.run((first) -> {
            LeaderEvents firstEvents = first.getBean(LeaderEvents.class);
            await().atMost(WAIT).until(() -> firstEvents.granted() == 1);
            assertThat(first.getBean(LockRegistryLeaderInitiator.class).getContext().isLeader()).isTrue();
            assertThat(firstEvents.events.get(0).getRole()).isEqualTo("scheduler");
            runner.run((second) -> {
                LeaderEvents secondEvents = second.getBean(LeaderEvents.class);
                LockRegistryLeaderInitiator secondInitiator = second.getBean(LockRegistryLeaderInitiator.class);
                assertThat(secondInitiator.isRunning()).as("campaigning").isTrue();
                assertThat(secondInitiator.getContext().isLeader()).as("the first is leader").isFalse();
                assertThat(secondEvents.events).isEmpty();

                first.close();
                await().atMost(WAIT).until(() -> secondEvents.granted() == 1);
                assertThat(firstEvents.events).as("revoked when its context closed, before the other was granted")
                    .hasExactlyElementsOfTypes(OnGrantedEvent.class, OnRevokedEvent.class);
                assertThat(secondInitiator.getContext().isLeader()).isTrue();
                assertThat(secondEvents.events.get(0).getRole()).isEqualTo("scheduler");
            });
        });
    }

    /** The leader events a context published. */
    static final class LeaderEvents implements ApplicationListener<AbstractLeaderEvent> {

        final List<AbstractLeaderEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(AbstractLeaderEvent event) {
            this.events.add(event);
        }

        long granted() {
            return this.events.stream().filter(OnGrantedEvent.class::isInstance).count();
        }
    }
}
