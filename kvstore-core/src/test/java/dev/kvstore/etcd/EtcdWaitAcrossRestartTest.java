package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestScope;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long wait across an etcd restart keeps its deadline (it is not restarted when the wait recovers) and its result
 * (what it had seen before, plus what was written and compacted away while it recovered).
 */
@RequiresEtcd
class EtcdWaitAcrossRestartTest {

    private static final Logger log = LoggerFactory.getLogger(EtcdWaitAcrossRestartTest.class);

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RegisterExtension
    final TestScope test = new TestScope("restart");
    private final ExecutorService pool = test.pool();
    private String namespace;

    @BeforeEach
    void name() {
        namespace = test.namespace();
    }

    private EtcdKVStore open() {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace)
                .requestTimeout(Duration.ofSeconds(1)).build();
        return test.track(store);
    }

    /** Counts what a store's waits went through. */
    private static final class WaitEvents implements WaitHooks {
        final AtomicInteger watches = new AtomicInteger();
        final CountDownLatch firstWatch = new CountDownLatch(1);
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void watchCreated(long startRevision) {
            watches.incrementAndGet();
            firstWatch.countDown();
        }

        @Override
        public void failed(String reason) {
            failures.add(reason);
        }
    }

    /**
     * The wait loses its watch, keeps failing to read while etcd is down, recovers when it is back, and still times
     * out at the deadline set when it started: not earlier, and not a full timeout after it recovered.
     */
    @Test
    void aWaitKeepsItsDeadlineAcrossARestart() throws Exception {
        EtcdServer server = etcd.server();
        EtcdKVStore store = open();
        WaitEvents events = new WaitEvents();
        store.waitHooks(events);
        Duration timeout = Duration.ofSeconds(10);

        long start = System.nanoTime();
        Future<byte[]> wait = pool.submit(() -> store.waitForKey("never-written", timeout));
        assertThat(events.firstWatch.await(30, TimeUnit.SECONDS)).isTrue();
        server.stop();
        // The watch broke and at least two reads failed: the wait is retrying through the outage.
        await().atMost(Duration.ofSeconds(30)).until(() -> events.failures.size() >= 3 || wait.isDone());
        server.start(EtcdServer.START_TIMEOUT);
        await().atMost(Duration.ofSeconds(30)).until(() -> events.watches.get() >= 2 || wait.isDone());
        assertThat(wait.isDone()).as("the wait recovered before its deadline").isFalse();
        Duration recovered = Duration.ofNanos(System.nanoTime() - start);

        assertThatThrownBy(() -> wait.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(KVStoreTimeoutException.class)
                .hasMessage("waitForKey timed out after PT10S: key '" + namespace
                        + "/tensorbus/never-written' does not exist");
        Duration ended = Duration.ofNanos(System.nanoTime() - start);
        log.info("The wait recovered after {} and timed out after {}", recovered, ended);
        assertThat(ended).as("not before its deadline").isGreaterThanOrEqualTo(timeout);
        assertThat(ended).as("the deadline was not restarted when the wait recovered after %s", recovered)
                .isLessThan(recovered.plus(timeout));
    }

    /**
     * waitForKeys sees two keys before a restart; when it has recovered, the third key is written and the revisions
     * since its read are compacted away (so its new watch is refused as compacted): it reads again and completes
     * with exactly the three keys, not the decoy holding another value.
     */
    @Test
    void aWaitKeepsItsResultAcrossARestartAndACompaction() throws Exception {
        EtcdServer server = etcd.server();
        EtcdKVStore waiter = open();
        EtcdKVStore writer = open();
        writer.set("rank:0/ready", "1");
        WaitEvents events = new WaitEvents();
        AtomicInteger reads = new AtomicInteger();
        waiter.waitHooks(new WaitHooks() {
            @Override
            public void beforeWatch(long readRevision) {
                if (reads.incrementAndGet() == 2) {
                    writeAndCompactAfter(readRevision);
                }
            }

            @Override
            public void watchCreated(long startRevision) {
                events.watchCreated(startRevision);
            }

            @Override
            public void failed(String reason) {
                events.failed(reason);
            }
        });
        Future<List<String>> wait = pool.submit(() -> waiter.waitForKeys(KeysQuery.matching("rank:*/ready", 3),
                Duration.ofSeconds(60)));
        assertThat(events.firstWatch.await(30, TimeUnit.SECONDS)).isTrue();
        writer.set("rank:1/ready", "1");

        server.restart();

        assertThat(wait.get(60, TimeUnit.SECONDS)).containsExactly("rank:0/ready", "rank:1/ready", "rank:2/ready");
        assertThat(reads.get()).as("watched after the first read and after the restart; the read after the"
                + " compacted watch completed the wait").isEqualTo(2);
        assertThat(events.failures).anySatisfy(reason -> assertThat(reason).contains("compacted"));
    }

    /** Called by the waiting thread after its first read following the restart. */
    private void writeAndCompactAfter(long readRevision) {
        String prefix = namespace + "/tensorbus/";
        try (Client raw = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
            KV kv = raw.getKVClient();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                kv.put(bytes(prefix + "rank:2/ready"), bytes("1")).get(5, TimeUnit.SECONDS);
                kv.put(bytes(prefix + "rank:9/ready"), bytes("not ready")).get(5, TimeUnit.SECONDS);
                long now = kv.put(bytes(prefix + "filler"), bytes("moves the revision on"))
                        .get(5, TimeUnit.SECONDS).getHeader().getRevision();
                assertThat(now).isGreaterThan(readRevision + 1);
                kv.compact(now).get(5, TimeUnit.SECONDS);
            });
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
