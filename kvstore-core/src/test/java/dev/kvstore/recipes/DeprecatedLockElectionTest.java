package dev.kvstore.recipes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVElection;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The deprecated {@link LockElection} still campaigns: it delegates to {@link KVElection#overLock}. */
@SuppressWarnings("deprecation")
class DeprecatedLockElectionTest {

    @Test
    void campaignsOverTheLockItIsGiven() {
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0)
                .timeout(Duration.ofSeconds(30)).namespace("deprecated-election").build()) {
            List<String> events = new CopyOnWriteArrayList<>();
            LockElection election = LockElection.start("legacy", master.lock("election/legacy"),
                    new KVElection.Listener() {
                        @Override
                        public void granted(long term) {
                            events.add("granted " + term);
                        }

                        @Override
                        public void revoked(long term) {
                            events.add("revoked " + term);
                        }
                    });
            await().atMost(Duration.ofSeconds(30)).until(election::isLeader);
            long term = election.term().orElseThrow();
            assertThat(election.name()).isEqualTo("legacy");
            election.close();
            assertThat(election.isLeader()).isFalse();
            assertThat(events).containsExactly("granted " + term, "revoked " + term);
        }
    }
}
