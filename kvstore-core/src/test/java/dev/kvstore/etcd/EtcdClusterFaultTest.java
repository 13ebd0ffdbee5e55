package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdClusterExtension;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Waits on a real 3-member etcd cluster whose leader is killed while they wait. */
@RequiresEtcd
class EtcdClusterFaultTest {

    @RegisterExtension
    static final EtcdClusterExtension etcd = new EtcdClusterExtension(3);

    @Test
    void waitsSurviveTheLossOfTheLeader() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        String namespace = "cluster-" + System.nanoTime();
        try (EtcdKVStore waiterStore = EtcdKVStore.builder().endpoints(etcd.cluster().endpoints()).namespace(namespace)
                .requestTimeout(Duration.ofSeconds(2)).build();
                EtcdKVStore writer = EtcdKVStore.builder().endpoints(etcd.cluster().endpoints()).namespace(namespace)
                        .requestTimeout(Duration.ofSeconds(2)).build()) {
            CountDownLatch watching = new CountDownLatch(2);
            waiterStore.waitHooks(new WaitHooks() {
                @Override
                public void watchCreated(long startRevision) {
                    watching.countDown();
                }
            });
            Future<byte[]> keyWaiter = pool.submit(() -> waiterStore.waitForKey("after", Duration.ofSeconds(60)));
            Future<List<String>> keysWaiter = pool.submit(
                    () -> waiterStore.waitForKeys(KeysQuery.matching("rank:*", 2), Duration.ofSeconds(60)));
            writer.set("rank:0", "1");
            assertThat(watching.await(30, TimeUnit.SECONDS)).isTrue();

            EtcdServer leader = etcd.cluster().leader().orElseThrow();
            leader.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> etcd.cluster().leader().isPresent());

            // Writes may fail while the cluster elects a new leader: retry them, as an application would.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KVStoreException.class)
                    .untilAsserted(() -> writer.set("after", "new leader"));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KVStoreException.class)
                    .untilAsserted(() -> writer.set("rank:1", "1"));

            assertThat(keyWaiter.get(60, TimeUnit.SECONDS)).isEqualTo("new leader".getBytes(StandardCharsets.UTF_8));
            assertThat(keysWaiter.get(60, TimeUnit.SECONDS)).containsExactly("rank:0", "rank:1");
        } finally {
            pool.shutdownNow();
        }
    }
}
