package dev.kvstore.spring.autoconfigure.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.integration.KVStoreLeaderInitiatorTests.LeaderEvents;
import dev.kvstore.spring.integration.KVStoreLockRegistry;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Renewal and {@code kvstore.integration.leader.*} on a real etcd, where locks are held under the store's lease. */
@RequiresEtcd
class KVStoreLeaderInitiatorEtcdTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    /** Renewal on etcd: the lease keeps the lock, so renewing checks the hold and a time-to-live is refused. */
    @Test
    void renewalChecksTheHoldUnderTheLease() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                    KVStoreLockRegistryAutoConfiguration.class))
            .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()),
                    "kvstore.namespace=renew-" + UUID.randomUUID())
            .run((context) -> {
                KVStoreLockRegistry registry = context.getBean(KVStoreLockRegistry.class);
                Lock lock = registry.obtain("job");
                assertThatThrownBy(() -> registry.renewLock("job")).isInstanceOf(IllegalStateException.class);
                lock.lock();
                registry.renewLock("job");
                assertThatThrownBy(() -> registry.renewLock("job", Duration.ofMinutes(1)))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("store's lease");
                lock.unlock();
                registry.expireUnusedOlderThan(0);
                assertThat(registry.obtain("job")).as("unlocked, then expired").isNotSameAs(lock);
            });
    }

    @Test
    void oneLeaderAndTheOtherTakesOverWhenItsContextCloses() {
        KVStoreLeaderInitiatorTests.handOver(new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                    KVStoreLockRegistryAutoConfiguration.class))
            .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()),
                    "kvstore.namespace=leader-" + UUID.randomUUID(), "kvstore.integration.leader.enabled=true",
                    "kvstore.integration.leader.role=scheduler")
            .withBean(LeaderEvents.class));
    }
}
