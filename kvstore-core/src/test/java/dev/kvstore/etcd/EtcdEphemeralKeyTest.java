package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.recipes.RecipeGauges;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ephemeral keys on a real etcd: they go with their owner, and only with it. */
@RequiresEtcd
class EtcdEphemeralKeyTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final Duration TTL = Duration.ofSeconds(3);

    @Test
    void ephemeralKeyVanishesWithinTheTtlAfterItsOwnerIsKilled() throws Exception {
        String namespace = "ephemeral-kill-" + System.nanoTime();
        try (EtcdKVStore observer = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build();
                PythonProcess owner = PythonProcess.startJava(LeaseOwnerChild.class, List.of("-Xmx64m"),
                        etcd.endpoint(), namespace, TTL.toMillis(), "ephemeral", "members/child")) {
            owner.awaitLine("SET"::equals, Duration.ofSeconds(60));
            assertThat(observer.get("members/child")).contains("alive");
            // Alive and keeping its lease: the key outlives several TTLs.
            await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> observer.exists("members/child"));

            owner.close(); // SIGKILL
            long killed = System.nanoTime();
            await().atMost(TTL.plusSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !observer.exists("members/child"));
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(TTL.plusSeconds(5));
        }
    }

    @Test
    void closingTheStoreDeletesItsEphemeralKeysAtOnce() {
        String namespace = "ephemeral-close-" + System.nanoTime();
        try (EtcdKVStore observer = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build()) {
            EtcdKVStore owner = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace)
                    .leaseTtl(Duration.ofMinutes(5)).build();
            int leases = RecipeGauges.liveLeases();
            owner.capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/a", "1");
            assertThat(RecipeGauges.liveLeases()).as("one lease granted").isEqualTo(leases + 1);
            owner.withComponent("other").capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/b", "2");
            owner.set("permanent", "3");
            assertThat(observer.get("members/a")).contains("1");
            owner.close();
            assertThat(RecipeGauges.liveLeases()).as("revoked").isEqualTo(leases);
            assertThat(observer.exists("members/a")).as("revoked on close, not after 5 minutes").isFalse();
            assertThat(observer.withComponent("other").exists("members/b")).isFalse();
            assertThat(observer.get("permanent")).contains("3");
        }
    }
}
