package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.WatchRecorder;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Watches on a real etcd: order, threads, close, restarts, compaction and slow listeners. */
@RequiresEtcd
class EtcdWatchTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private EtcdKVStore store;
    private EtcdKVStore writer;
    private final WatchRecorder recorder = new WatchRecorder();

    @BeforeEach
    void open(TestInfo info) {
        String namespace = "watch-" + info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime();
        store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build();
        writer = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build();
    }

    @AfterEach
    void close() {
        store.close();
        writer.close();
    }

    @Test
    void deliversTheStateThenEveryChangeInOrderOffTheIoThreadsUntilClosed() {
        writer.set("w/a", "1");
        writer.set("w/b", "2");
        writer.set("elsewhere", "x");
        KVWatch watch = store.capability(KeyWatches.class).orElseThrow().watch("w/", recorder);
        await().atMost(Duration.ofSeconds(30)).until(() -> !recorder.log.isEmpty());
        assertThat(recorder.log.get(0)).isEqualTo("reset [w/a, w/b] (initial state)");

        writer.set("w/c", "3");
        writer.delete("w/a");
        writer.set("elsewhere", "y");
        writer.withComponent("other").set("w/z", "z");
        writer.set("w/b", "4");
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.log.size() == 4);
        assertThat(recorder.log).containsExactly("reset [w/a, w/b] (initial state)", "PUT w/c=3", "DELETE w/a=",
                "PUT w/b=4");
        assertThat(recorder.revisions).isSorted().doesNotHaveDuplicates();
        assertThat(recorder.threads).allMatch(name -> name.startsWith("kvstore-watch-"));

        watch.close();
        writer.set("w/d", "5");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> recorder.log.size() == 4);
    }

    @Test
    void compactedHistoryIsReplacedByAFlaggedReRead() throws Exception {
        AtomicBoolean compactOnce = new AtomicBoolean(true);
        CountDownLatch compacted = new CountDownLatch(1);
        try (Client raw = Client.builder().endpoints(etcd.endpoint()).build()) {
            // Before the first watch stream starts, the history it needs is written and compacted away.
            KVWatch watch = store.watch(KeyLayout.of(store.namespace(), store.component()), "w/", recorder, 1024,
                    fromRevision -> {
                        if (compactOnce.getAndSet(false)) {
                            for (int i = 0; i < 5; i++) {
                                writer.set("w/k" + i, "v");
                            }
                            long now = raw.getKVClient().get(io.etcd.jetcd.ByteSequence.from("x".getBytes()))
                                    .join().getHeader().getRevision();
                            raw.getKVClient().compact(now).join();
                            compacted.countDown();
                        }
                    });
            try (watch) {
                assertThat(compacted.await(30, TimeUnit.SECONDS)).isTrue();
                writer.set("w/after", "v");
                await().atMost(Duration.ofSeconds(30)).until(() -> recorder.keys.size() == 6);
                assertThat(recorder.log).anyMatch(line -> line.startsWith("reset ") && line.contains("compacted"));
                assertThat(recorder.keys).containsExactly("w/after", "w/k0", "w/k1", "w/k2", "w/k3", "w/k4");
            }
        }
    }

    @Test
    void changesAcrossAnEtcdRestartAreDeliveredWithoutGaps() throws Exception {
        try (KVWatch watch = store.capability(KeyWatches.class).orElseThrow().watch("w/", recorder)) {
            for (int i = 0; i < 5; i++) {
                writer.set("w/k" + i, "v");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.keys.size() == 5);
            etcd.server().restart();
            for (int i = 5; i < 10; i++) {
                int n = i;
                await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(KVStoreException.class)
                        .until(() -> {
                            writer.set("w/k" + n, "v");
                            return true;
                        });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> recorder.keys.size() == 10);
            assertThat(recorder.log.stream().filter(line -> line.startsWith("reset"))).as("no re-read needed")
                    .hasSize(1);
            assertThat(recorder.revisions).isSorted();
        }
    }

    @Test
    void slowListenerDropsToAFlaggedReReadInsteadOfQueueingWithoutBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WatchRecorder slow = WatchRecorder.blockedUntil(release);
        try (KVWatch watch = store.watch(KeyLayout.of(store.namespace(), store.component()), "w/", slow, 4,
                revision -> { })) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !slow.log.isEmpty());
            for (int i = 0; i < 50; i++) {
                writer.set("w/k" + i, "v"); // one watch response each: far more than 4 while the listener is stuck
            }
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> slow.keys.size() == 50);
            assertThat(slow.log).anyMatch(line -> line.startsWith("reset ") && line.contains("fell behind"));
        }
    }
}
