package dev.kvstore.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdCluster;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Soak run (tagged {@code soak}, run with {@code -Psoak}): ranks on a real 3-member cluster write continuously and
 * meet in rounds of {@code waitForKeys}, while each round a member fails in another way: the leader killed, the
 * leader stopped, a follower killed, the leader frozen (SIGSTOP, a hung machine whose connections stay open). After
 * each round the member comes back. Every round's waits complete with the right keys, every acknowledged write stays
 * readable, and at the end every member serves all of it and no add was applied twice.
 * {@code -Dkvstore.soak.rounds=N} sets the number of rounds (default 8), {@code -Dkvstore.soak.faults=KILL_LEADER,...}
 * which faults the rounds cycle through (default all).
 */
@RequiresEtcd
@Tag("soak")
class EtcdClusterSoakTest {

    private static final Logger log = LoggerFactory.getLogger(EtcdClusterSoakTest.class);
    private static final int RANKS = 4;
    private static final int ROUNDS = Integer.getInteger("kvstore.soak.rounds", 8);
    private static final List<Fault> FAULTS = Arrays.stream(System.getProperty("kvstore.soak.faults",
            "KILL_LEADER,STOP_LEADER,KILL_FOLLOWER,FREEZE_LEADER").split(",")).map(String::trim)
            .map(Fault::valueOf).toList();
    private static final int WRITES_PER_PHASE = 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PHASE = Duration.ofMinutes(3);

    private final List<KVStore> opened = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private EtcdCluster cluster;
    private String namespace;

    /** How a member fails in a round, and how it comes back. */
    enum Fault {
        KILL_LEADER, STOP_LEADER, KILL_FOLLOWER, FREEZE_LEADER;

        EtcdServer victim(EtcdCluster cluster) {
            EtcdServer leader = cluster.leader().orElseThrow();
            return this == KILL_FOLLOWER
                    ? cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow()
                    : leader;
        }

        void inject(EtcdServer victim) {
            switch (this) {
                case KILL_LEADER, KILL_FOLLOWER -> victim.kill();
                case STOP_LEADER -> victim.stop();
                case FREEZE_LEADER -> victim.freeze();
                default -> throw new IllegalStateException(name());
            }
        }

        void recover(EtcdServer victim) {
            if (this == FREEZE_LEADER) {
                victim.thaw();
            } else {
                victim.start(EtcdServer.START_TIMEOUT);
            }
        }
    }

    @BeforeEach
    void start() {
        cluster = EtcdCluster.start(3);
        namespace = "soak-" + System.nanoTime();
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        opened.forEach(KVStore::close);
        cluster.close();
    }

    private EtcdKVStore open(List<String> endpoints) {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(endpoints).namespace(namespace)
                .requestTimeout(REQUEST_TIMEOUT).build();
        opened.add(store);
        return store;
    }

    @Test
    void roundsOfWaitsAndWritesThroughRepeatedMemberFailures() throws Exception {
        List<EtcdKVStore> ranks = IntStream.range(0, RANKS).mapToObj(r -> open(cluster.endpoints())).toList();
        List<AtomicInteger> watches = ranks.stream().map(rank -> {
            AtomicInteger count = new AtomicInteger();
            rank.waitHooks(new WaitHooks() {
                @Override
                public void watchCreated(long startRevision) {
                    count.incrementAndGet();
                }
            });
            return count;
        }).toList();
        List<AcknowledgingWriter> writers = IntStream.range(0, RANKS)
                .mapToObj(r -> new AcknowledgingWriter(ranks.get(r), "data/" + r, "count/" + r,
                        Duration.ofMillis(5))).toList();
        writers.forEach(pool::submit);

        for (int r0 = 0; r0 < ROUNDS; r0++) {
            final int round = r0;
            Fault fault = FAULTS.get(round % FAULTS.size());
            String pattern = "round:" + round + "/rank:*";
            List<Integer> watchesBefore = watches.stream().map(AtomicInteger::get).toList();
            List<Future<List<String>>> waits = ranks.stream()
                    .map(rank -> pool.submit(() -> rank.waitForKeys(KeysQuery.matching(pattern, RANKS), PHASE)))
                            .toList();
            await().atMost(PHASE).until(() -> IntStream.range(0, RANKS)
                    .allMatch(r -> watches.get(r).get() > watchesBefore.get(r)));
            for (int r = 0; r < RANKS; r += 2) {
                setRetrying(ranks.get(r), "round:" + round + "/rank:" + r);
            }
            await().atMost(PHASE).until(() -> writers.stream().allMatch(w -> w.acknowledgedSets() > 0));
            List<Integer> setsBefore = writers.stream().map(AcknowledgingWriter::acknowledgedSets).toList();

            EtcdServer victim = fault.victim(cluster);
            log.info("Round {}: {} of {}", round, fault, victim);
            long injected = System.nanoTime();
            fault.inject(victim);
            try {
                for (int r = 1; r < RANKS; r += 2) {
                    setRetrying(ranks.get(r), "round:" + round + "/rank:" + r);
                }
                List<String> expected = IntStream.range(0, RANKS).mapToObj(r -> "round:" + round + "/rank:" + r)
                        .toList();
                for (Future<List<String>> wait : waits) {
                    assertThat(wait.get(PHASE.toSeconds(), TimeUnit.SECONDS)).containsExactlyElementsOf(expected);
                }
                log.info("Round {}: every wait completed {} after the {}", round, since(injected), fault);
                await().atMost(PHASE).until(() -> IntStream.range(0, RANKS).allMatch(
                        r -> writers.get(r).acknowledgedSets() >= setsBefore.get(r) + WRITES_PER_PHASE));
                log.info("Round {}: every writer made {} more writes {} after the {}", round, WRITES_PER_PHASE,
                        since(injected), fault);
            } finally {
                fault.recover(victim);
            }
            cluster.members().forEach(member -> member.awaitHealthy(EtcdServer.START_TIMEOUT));
            // Snapshot what was acknowledged before reading: the writers keep writing.
            List<Map<String, String>> acknowledged = writers.stream().map(AcknowledgingWriter::acknowledgedSoFar)
                    .toList();
            Map<String, String> contents = contents(cluster.endpoints());
            acknowledged.forEach(writes -> writes.forEach((key, value) -> assertThat(contents.get(key))
                    .as("acknowledged key %s after round %d", key, round).isEqualTo(value)));
            writers.forEach(writer -> log.info("Round {}: {}", round, writer));
        }

        writers.forEach(AcknowledgingWriter::stop);
        for (AcknowledgingWriter writer : writers) {
            assertThat(writer.finished().await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(writer.failures()).allSatisfy(e -> assertThat(e).isInstanceOfAny(
                    KVStoreTimeoutException.class, KVStoreConnectionException.class));
        }
        for (EtcdServer member : cluster.members()) {
            Map<String, String> contents = contents(List.of(member.endpoint()));
            writers.forEach(writer -> writer.assertAcknowledgedWritesIn(
                    key -> Optional.ofNullable(contents.get(key))));
        }
    }

    /** Every key of the namespace's component and its value, in one linearizable range read. */
    private Map<String, String> contents(List<String> endpoints) {
        String prefix = namespace + "/tensorbus/";
        try (Client raw = Client.builder().endpoints(endpoints.toArray(String[]::new))
                .maxInboundMessageSize(EtcdConnector.MAX_INBOUND_MESSAGE_BYTES).build()) {
            List<KeyValue> kvs = await().atMost(PHASE).ignoreExceptions().until(() -> raw.getKVClient()
                    .get(ByteSequence.from(prefix, UTF_8), GetOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS).getKvs(), list -> true);
            return kvs.stream().collect(Collectors.toMap(
                    kv -> kv.getKey().toString(UTF_8).substring(prefix.length()), kv -> kv.getValue().toString(UTF_8)));
        }
    }

    private static Duration since(long start) {
        return Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** Writes a key, retrying failures as an application would while the cluster recovers. */
    private static void setRetrying(KVStore store, String key) {
        await().atMost(PHASE).ignoreExceptionsInstanceOf(KVStoreException.class)
                .untilAsserted(() -> store.set(key, "1"));
    }
}
