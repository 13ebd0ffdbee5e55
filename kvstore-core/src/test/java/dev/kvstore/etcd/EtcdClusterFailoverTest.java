package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdClusterExtension;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ranks (separate stores, each given all three endpoints) on a real 3-member etcd cluster whose leader fails while
 * they wait and write: every wait completes, no wakeup is lost, no acknowledged write is lost, the clients carry on
 * with the remaining members, and the failed member rejoins. Also: the whole cluster down during a wait.
 */
@RequiresEtcd
class EtcdClusterFailoverTest {

    private static final Logger log = LoggerFactory.getLogger(EtcdClusterFailoverTest.class);
    private static final int RANKS = 4;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration LONG = Duration.ofSeconds(120);
    /** Acknowledged writes each writer makes before the failure, and again after it. */
    private static final int WRITES_PER_PHASE = 15;

    @RegisterExtension
    static final EtcdClusterExtension etcd = new EtcdClusterExtension(3);

    @RegisterExtension
    final TestScope test = new TestScope("failover", Duration.ofSeconds(30));
    private final ExecutorService pool = test.pool();
    private String namespace;

    @BeforeEach
    void everyMemberRuns() {
        etcd.cluster().startStopped(); // in case an earlier test failed before it restarted what it stopped
        namespace = test.namespace();
    }

    private EtcdKVStore open(List<String> endpoints) {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(endpoints).namespace(namespace)
                .requestTimeout(REQUEST_TIMEOUT).build();
        return test.track(store);
    }

    /** How the leader fails. */
    enum LeaderFailure {
        /** SIGKILL, as a crash: in-flight requests are cut off. */
        KILL {
            @Override
            void apply(EtcdServer leader) {
                leader.kill();
            }
        },
        /** SIGTERM, as an orderly shutdown: etcd hands leadership over first. */
        STOP {
            @Override
            void apply(EtcdServer leader) {
                leader.stop();
            }
        };

        abstract void apply(EtcdServer leader);
    }

    @ParameterizedTest
    @EnumSource(LeaderFailure.class)
    void leaderFailureWhileRanksWaitAndWriteLosesNothing(LeaderFailure failure) throws Exception {
        List<EtcdKVStore> ranks = IntStream.range(0, RANKS).mapToObj(r -> open(etcd.cluster().endpoints())).toList();

        // Every rank waits for every rank's ready key; half of them are written only after the failure.
        CountDownLatch watching = new CountDownLatch(RANKS);
        ranks.forEach(rank -> rank.waitHooks(new FirstWatch(watching)));
        List<Future<List<String>>> waits = ranks.stream()
                .map(rank -> pool.submit(() -> rank.waitForKeys(KeysQuery.matching("rank:*/ready", RANKS), LONG)))
                .toList();
        Future<byte[]> goWait = pool.submit(() -> ranks.get(0).waitForKey("go", LONG));
        assertThat(watching.await(30, TimeUnit.SECONDS)).as("every rank is watching").isTrue();
        for (int r = 0; r < RANKS; r += 2) {
            ranks.get(r).set("rank:" + r + "/ready", "1");
        }

        List<AcknowledgingWriter> writers = IntStream.range(0, RANKS)
                .mapToObj(r -> new AcknowledgingWriter(ranks.get(r), "data/" + r, "count/" + r)).toList();
        writers.forEach(pool::submit);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> writers.stream().allMatch(w -> w.acknowledgedSets() >= WRITES_PER_PHASE));

        EtcdServer leader = etcd.cluster().leader().orElseThrow();
        failure.apply(leader);
        List<Integer> setsAtFailure = writers.stream().map(AcknowledgingWriter::acknowledgedSets).toList();

        for (int r = 1; r < RANKS; r += 2) {
            EtcdKVStore rank = ranks.get(r);
            String key = "rank:" + r + "/ready";
            // A write may fail while the cluster elects a new leader: retry it, as an application would.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(KVStoreException.class)
                    .untilAsserted(() -> rank.set(key, "1"));
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(KVStoreException.class)
                .untilAsserted(() -> ranks.get(RANKS - 1).set("go", "after the failure"));
        // The clients carry on with the remaining members: every writer keeps getting writes acknowledged.
        await().atMost(Duration.ofSeconds(60)).until(() -> IntStream.range(0, RANKS)
                .allMatch(r -> writers.get(r).acknowledgedSets() >= setsAtFailure.get(r) + WRITES_PER_PHASE));
        writers.forEach(AcknowledgingWriter::stop);

        List<String> allReady = IntStream.range(0, RANKS).mapToObj(r -> "rank:" + r + "/ready").toList();
        for (Future<List<String>> wait : waits) {
            assertThat(wait.get(60, TimeUnit.SECONDS)).containsExactlyElementsOf(allReady);
        }
        assertThat(goWait.get(60, TimeUnit.SECONDS)).asString().isEqualTo("after the failure");
        for (AcknowledgingWriter writer : writers) {
            log.info("{} failure: {}", failure, writer);
            assertThat(writer.finished().await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(writer.failures()).as("failed writes are typed, never a hang or an untyped error")
                    .allSatisfy(e -> assertThat(e).isInstanceOfAny(KVStoreTimeoutException.class,
                            KVStoreConnectionException.class));
        }

        // Every acknowledged write is there, read through the surviving members only.
        EtcdKVStore survivor = open(etcd.cluster().endpointsExcept(leader));
        writers.forEach(writer -> writer.assertAcknowledgedWritesIn(survivor::get));

        // The failed member rejoins, catches up and serves the data from its own endpoint.
        leader.start(EtcdServer.START_TIMEOUT);
        etcd.cluster().members().forEach(member -> member.awaitHealthy(EtcdServer.START_TIMEOUT));
        assertThat(etcd.cluster().leader()).isPresent();
        EtcdKVStore rejoined = open(List.of(leader.endpoint()));
        writers.forEach(writer -> writer.assertAcknowledgedWritesIn(rejoined::get));
        assertThat(rejoined.clusterStatus(Duration.ofSeconds(10)).hasLeader()).isTrue();
        rejoined.set("written-through-the-rejoined-member", "yes");
        assertThat(survivor.get("written-through-the-rejoined-member")).contains("yes");
    }

    @Test
    void everyMemberDownDuringAWaitIsABoundedNamedTimeout() throws Exception {
        EtcdKVStore store = open(etcd.cluster().endpoints());
        EtcdKVStore slowRequests = EtcdKVStore.builder().endpoints(etcd.cluster().endpoints()).namespace(namespace)
                .requestTimeout(Duration.ofSeconds(30)).build();
        test.track(slowRequests);
        store.set("before", "written before the outage");
        CountDownLatch watching = new CountDownLatch(1);
        store.waitHooks(new FirstWatch(watching));
        Future<byte[]> wait = pool.submit(() -> store.waitForKey("never-written", Duration.ofSeconds(4)));
        assertThat(watching.await(30, TimeUnit.SECONDS)).isTrue();

        etcd.cluster().members().forEach(EtcdServer::kill);
        try {
            assertThatThrownBy(() -> wait.get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("timed out after PT4S")
                    .hasMessageContaining(namespace + "/tensorbus/never-written")
                    .hasMessageContaining("did not answer")
                    .hasMessageContaining(etcd.cluster().endpoints().toString());
            assertThatThrownBy(() -> store.set("during", "the outage"))
                    .satisfies(e -> assertThat(e).isInstanceOfAny(KVStoreTimeoutException.class,
                            KVStoreConnectionException.class))
                    .hasMessageContaining(etcd.cluster().endpoints().toString());
            // A wait shorter than the request timeout still ends at its own deadline, well before the request timeout.
            long start = System.nanoTime();
            assertThatThrownBy(() -> slowRequests.waitForKey("never-written", Duration.ofSeconds(2)))
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("timed out after PT2S")
                    .hasMessageContaining(etcd.cluster().endpoints().toString());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(25));
            assertThatThrownBy(() -> EtcdKVStore.builder().endpoints(etcd.cluster().endpoints()).namespace(namespace)
                    .connectTimeout(Duration.ofMillis(500)).build())
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining(etcd.cluster().endpoints().toString());
        } finally {
            etcd.cluster().startStopped();
        }
        // gRPC reconnects with backoff: the first calls after the outage may still fail, later ones succeed.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(KVStoreException.class)
                .untilAsserted(() -> assertThat(store.get("before")).contains("written before the outage"));
        assertThat(store.waitForKeys(KeysQuery.matching("bef*", 1).withAnyValue(), Duration.ofSeconds(30)))
                .containsExactly("before");
    }

    /** Opens a latch once, when the server confirmed a store's first watch. */
    private static final class FirstWatch implements WaitHooks {
        private final CountDownLatch latch;
        private boolean counted;

        FirstWatch(CountDownLatch latch) {
            this.latch = latch;
        }

        @Override
        public synchronized void watchCreated(long startRevision) {
            if (!counted) {
                counted = true;
                latch.countDown();
            }
        }
    }
}
