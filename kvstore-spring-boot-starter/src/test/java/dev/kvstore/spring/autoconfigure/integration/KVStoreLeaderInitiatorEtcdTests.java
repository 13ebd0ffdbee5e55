package dev.kvstore.spring.autoconfigure.integration;

import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.integration.KVStoreLeaderInitiatorTests.LeaderEvents;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code kvstore.integration.leader.*} on a real etcd, where the leader's lock is held under the store's lease. */
@RequiresEtcd
class KVStoreLeaderInitiatorEtcdTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

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
