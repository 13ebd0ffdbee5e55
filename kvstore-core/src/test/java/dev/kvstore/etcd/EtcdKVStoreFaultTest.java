package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestScope;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Waits under faults on a real etcd: server restarts, compactions, unreachable endpoints, closing during a wait;
 * and cleanup's reach. The server is this class's own, since some tests stop it.
 */
@RequiresEtcd
class EtcdKVStoreFaultTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RegisterExtension
    final TestScope test = new TestScope("fault");
    private final ExecutorService pool = test.pool();
    private String namespace;

    @BeforeEach
    void name() {
        namespace = test.namespace();
    }

    private EtcdKVStore open(String ns) {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(ns)
                .requestTimeout(Duration.ofSeconds(5)).build();
        return test.track(store);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static Client rawClient() {
        return Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    }

    /** Compacts the whole key space up to the current revision; returns that revision. */
    private static long compact(Client raw) {
        try {
            long now = raw.getKVClient().get(bytes("any")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            raw.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
            return now;
        } catch (Exception e) {
            throw new AssertionError("compaction failed", e);
        }
    }

    /** Counts the watches of a store's waits and opens a latch when the server confirmed the first. */
    private static final class WatchStarts implements WaitHooks {
        final AtomicInteger count = new AtomicInteger();
        final CountDownLatch first = new CountDownLatch(1);
        final List<String> failures = new CopyOnWriteArrayList<>();

        void attach(EtcdKVStore store) {
            store.waitHooks(this);
        }

        @Override
        public void watchCreated(long startRevision) {
            count.incrementAndGet();
            first.countDown();
        }

        @Override
        public void failed(String reason) {
            failures.add(reason);
        }
    }

    /** Runs an action at the first read-then-watch of a store's waits. */
    private static void beforeFirstWatch(EtcdKVStore store, AtomicInteger watchStarts, LongConsumer action) {
        store.waitHooks(new WaitHooks() {
            @Override
            public void beforeWatch(long readRevision) {
                if (watchStarts.incrementAndGet() == 1) {
                    action.accept(readRevision);
                }
            }
        });
    }

    @Test
    void waitSurvivesAnEtcdRestart() throws Exception {
        EtcdServer server = etcd.server();
        EtcdKVStore waiterStore = open(namespace);
        WatchStarts starts = new WatchStarts();
        starts.attach(waiterStore);
        Future<byte[]> waiter = pool.submit(() -> waiterStore.waitForKey("after-restart", LONG));
        assertThat(starts.first.await(30, TimeUnit.SECONDS)).isTrue();

        server.restart();
        open(namespace).set("after-restart", "written after the restart");

        assertThat(waiter.get(60, TimeUnit.SECONDS)).isEqualTo(utf8("written after the restart"));
        assertThat(starts.failures).as("the wait saw its watch break and recovered by itself").isNotEmpty();
    }

    @Test
    void storeWorksAgainAfterAnEtcdRestart() {
        EtcdServer server = etcd.server();
        EtcdKVStore store = open(namespace);
        store.set("before", "1");
        server.restart();
        assertThat(store.get("before")).contains("1");
        store.set("after", "2");
        assertThat(open(namespace).get("after")).contains("2");
    }

    @Test
    void compactionWhileWaitingDoesNotLoseTheWakeup() throws Exception {
        EtcdKVStore waiterStore = open(namespace);
        WatchStarts starts = new WatchStarts();
        starts.attach(waiterStore);
        Future<byte[]> waiter = pool.submit(() -> waiterStore.waitForKey("late", LONG));
        assertThat(starts.first.await(30, TimeUnit.SECONDS)).isTrue();

        EtcdKVStore writer = open(namespace);
        for (int i = 0; i < 5; i++) {
            writer.set("filler", "v" + i);
        }
        try (Client raw = rawClient()) {
            compact(raw);
        }
        assertThat(waiter.isDone()).as("the wait is still waiting after the compaction").isFalse();
        writer.set("late", "after compaction");

        assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("after compaction"));
    }

    /**
     * Forces the worst case: the key is written and its revision compacted away between the wait's read and its
     * watch, so the watch is cancelled as compacted; the wait must read again and see the key.
     */
    @Test
    void watchFromACompactedRevisionRecoversByReadingAgain() throws Exception {
        EtcdKVStore waiterStore = open(namespace);
        EtcdKVStore writer = open(namespace);
        AtomicInteger watchStarts = new AtomicInteger();
        try (Client raw = rawClient()) {
            beforeFirstWatch(waiterStore, watchStarts, readRevision -> {
                writer.set("raced", "written between read and watch");
                writer.set("filler", "moves the revision on");
                long now = compact(raw);
                assertThat(now).isGreaterThan(readRevision + 1);
            });
            assertThat(waiterStore.waitForKey("raced", LONG)).isEqualTo(utf8("written between read and watch"));
        }
        assertThat(watchStarts.get()).as("satisfied by the second read, before a second watch").isEqualTo(1);
    }

    @Test
    void waitForKeysSurvivesACompactedWatch() throws Exception {
        EtcdKVStore waiterStore = open(namespace);
        EtcdKVStore writer = open(namespace);
        writer.set("rank:0/ready", "1");
        AtomicInteger watchStarts = new AtomicInteger();
        try (Client raw = rawClient()) {
            beforeFirstWatch(waiterStore, watchStarts, readRevision -> {
                writer.set("rank:1/ready", "1");
                writer.set("rank:0/ready", "0");
                compact(raw);
            });
            Future<List<String>> waiter = pool.submit(
                    () -> waiterStore.waitForKeys(KeysQuery.matching("rank:*/ready", 2), LONG));
            await().atMost(Duration.ofSeconds(30)).until(() -> watchStarts.get() >= 2);
            assertThat(waiter.isDone()).as("rank:0 was reset to 0, one key is missing").isFalse();
            writer.set("rank:2/ready", "1");
            assertThat(waiter.get(30, TimeUnit.SECONDS)).containsExactly("rank:1/ready", "rank:2/ready");
        }
    }

    @Test
    void unreachableEndpointFailsWithAClearTimeout() {
        String nobody = "http://127.0.0.1:" + FreePorts.pick();
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints(nobody).connectTimeout(Duration.ofMillis(500))
                .build())
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining(nobody)
                .hasMessageContaining("did not answer within PT0.5S");
    }

    @Test
    void callsAndWaitsOnAStoppedServerFailWithinTheirTimeouts() {
        EtcdServer server = etcd.server();
        EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace)
                .requestTimeout(Duration.ofMillis(500)).build();
        test.track(store);
        server.stop();
        try {
            assertThatThrownBy(() -> store.set("k", "v"))
                    .isInstanceOf(KVStoreException.class)
                    .satisfies(e -> assertThat(e).isInstanceOfAny(KVStoreTimeoutException.class,
                            KVStoreConnectionException.class))
                    .hasMessageContaining(etcd.endpoint());
            assertThatThrownBy(() -> store.waitForKey("k", Duration.ofSeconds(1)))
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining(namespace + "/tensorbus/k")
                    .hasMessageContaining("etcd at [" + etcd.endpoint() + "] never answered during the wait")
                    .hasMessageContaining("failed attempt");
            // A wait shorter than one request: etcd never answered; no "did not answer for the last PT0S".
            assertThatThrownBy(() -> store.waitForKey("k", Duration.ofMillis(100)))
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("never answered during the wait")
                    .hasMessageNotContaining("PT0S");
        } finally {
            server.start(EtcdServer.START_TIMEOUT);
        }
        // gRPC reconnects with backoff: the first calls after the outage may still time out, later ones succeed.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KVStoreException.class)
                .untilAsserted(() -> store.set("k", "v"));
        assertThat(store.get("k")).contains("v");
    }

    @Test
    void closingTheStoreEndsARunningWait() throws Exception {
        EtcdKVStore store = open(namespace);
        WatchStarts starts = new WatchStarts();
        starts.attach(store);
        Future<byte[]> waiter = pool.submit(() -> store.waitForKey("never", LONG));
        assertThat(starts.first.await(30, TimeUnit.SECONDS)).isTrue();
        store.close();
        assertThatThrownBy(() -> waiter.get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(KVStoreException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void cleanupDeletesOnlyItsOwnNamespace() throws Exception {
        EtcdKVStore owner = open(namespace);
        EtcdKVStore neighbour = open(namespace + "-other");
        owner.set("k", "mine");
        owner.withComponent("data").set("k", "mine too");
        neighbour.set("k", "theirs");
        try (Client raw = rawClient()) {
            raw.getKVClient().put(bytes(namespace), bytes("a key named like the namespace, outside it"))
                    .get(10, TimeUnit.SECONDS);

            owner.close(true);

            GetOption prefix = GetOption.builder().isPrefix(true).withCountOnly(true).build();
            assertThat(raw.getKVClient().get(bytes(namespace + "/"), prefix).get(10, TimeUnit.SECONDS).getCount())
                    .isZero();
            assertThat(raw.getKVClient().get(bytes(namespace)).get(10, TimeUnit.SECONDS).getCount()).isOne();
        }
        assertThat(neighbour.get("k")).contains("theirs");
    }

    @Test
    void cleanupAtBuildStartsFromAnEmptyNamespace() {
        EtcdKVStore previous = open(namespace);
        previous.set("stale", "from a previous run");
        EtcdKVStore neighbour = open(namespace + "-other");
        neighbour.set("stale", "kept");

        EtcdKVStore owner = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).cleanup(true)
                .build();
        test.track(owner);

        assertThat(owner.exists("stale")).isFalse();
        assertThat(neighbour.get("stale")).contains("kept");
    }
}
