package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.recipes.LockElection;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The deprecated {@link LockElection} still campaigns: it delegates to {@link KVElection#overLock}. */
@SuppressWarnings("deprecation")
class DeprecatedLockElectionTest {

    @Test
    void campaignsOverTheLockItIsGiven() {
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0)
                .timeout(Duration.ofSeconds(30)).namespace("deprecated-election").build()) {
            KVStoreContractTest.Recorder recorder = new KVStoreContractTest.Recorder();
            LockElection election = LockElection.start("legacy", master.lock("election/legacy"), recorder);
            await().atMost(Duration.ofSeconds(30)).until(election::isLeader);
            long term = election.term().orElseThrow();
            assertThat(election.name()).isEqualTo("legacy");
            election.close();
            assertThat(election.isLeader()).isFalse();
            assertThat(recorder.events).containsExactly("granted " + term, "revoked " + term);
        }
    }
}
