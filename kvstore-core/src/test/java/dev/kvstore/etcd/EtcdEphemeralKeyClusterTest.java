package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.testing.EtcdClusterExtension;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An ephemeral key on a 3-member etcd cluster survives the leader's death while its owner lives. */
@RequiresEtcd
class EtcdEphemeralKeyClusterTest {

    @RegisterExtension
    static final EtcdClusterExtension etcd = new EtcdClusterExtension(3);

    /** Long enough for a new leader to be elected and the keep-alives to find it on a loaded machine. */
    static final Duration TTL = Duration.ofSeconds(6);

    @Test
    void ephemeralKeySurvivesALeaderKillWhileItsOwnerLives() throws Exception {
        String namespace = "ephemeral-cluster-" + System.nanoTime();
        try (PythonProcess owner = PythonProcess.startJava(LeaseOwnerChild.class, List.of("-Xmx64m"),
                String.join(",", etcd.cluster().endpoints()), namespace, TTL.toMillis(), "ephemeral", "members/me")) {
            owner.awaitLine("SET"::equals, Duration.ofSeconds(60));
            EtcdServer leader = etcd.cluster().leader().orElseThrow();
            leader.kill();
            try (EtcdKVStore observer = EtcdKVStore.builder().endpoints(etcd.cluster().endpointsExcept(leader))
                    .namespace(namespace).build()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> etcd.cluster().leader().isPresent());
                // Well past the TTL: the owner's keep-alives reached the new leader all along.
                await().during(TTL.multipliedBy(2)).atMost(TTL.multipliedBy(3)).pollInterval(Duration.ofMillis(250))
                        .ignoreExceptions()
                        .until(() -> observer.get("members/me").orElse("").equals("alive"));
                assertThat(owner.isAlive()).isTrue();
                assertThat(owner.describe()).doesNotContain("LOST");
            } finally {
                leader.start(EtcdServer.START_TIMEOUT);
            }
        }
    }
}
