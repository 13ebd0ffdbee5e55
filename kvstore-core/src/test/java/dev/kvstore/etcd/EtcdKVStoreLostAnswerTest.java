package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.Locks;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd backend when etcd's answers get lost, against a real etcd: the interceptor of
 * {@code TcpStoreGatewayLostAnswerTest}, on the store's own etcd connection, drops the answer of a transaction after
 * etcd committed it, or holds the transaction back until the store's next one was answered. An {@code add},
 * {@code compareAndSet}, {@code delete} or lock step is applied once and answers what it did; a store that simply
 * sent the transaction again would add twice ("expected 10 but was 15").
 */
@RequiresEtcd
class EtcdKVStoreLostAnswerTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final String namespace = "lost-answer-" + System.nanoTime();
    private final AnswerLosingInterceptor losing = new AnswerLosingInterceptor();
    private final EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace)
            .customizeClient(client -> client.interceptor(losing)).build();

    @AfterEach
    void close() {
        store.close(true);
    }

    @Test
    void anAddWhoseCommittedAnswerIsLostIsAppliedOnce() {
        assertThat(store.add("counter", 5)).isEqualTo(5);

        losing.loseNextAnswer();
        assertThat(store.add("counter", 5)).isEqualTo(10);
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(stored("tensorbus/counter")).isEqualTo("10");
    }

    @Test
    void aFirstAddWhoseCommittedAnswerIsLostIsAppliedOnce() {
        losing.loseNextAnswer();
        assertThat(store.add("fresh", 3)).isEqualTo(3);
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(stored("tensorbus/fresh")).isEqualTo("3");
    }

    @Test
    void anAddThatCommitsOnlyAfterTheStoreLookedForItIsAppliedOnce() {
        assertThat(store.add("counter", 5)).isEqualTo(5);

        losing.holdNextUntilTheFollowingIsAnswered();
        assertThat(store.add("counter", 5)).isEqualTo(10);
        assertThat(losing.released()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(stored("tensorbus/counter")).isEqualTo("10");
        assertThat(store.add("counter", 0)).isEqualTo(10);
    }

    @Test
    void aCompareAndSetWhoseCommittedAnswerIsLostSaysItSucceeded() {
        store.set("state", "a");
        assertThat(store.compareAndSet("state", utf8bytes("a"), utf8bytes("b"))).isTrue();

        losing.loseNextAnswer();
        assertThat(store.compareAndSet("state", utf8bytes("b"), utf8bytes("c"))).isTrue();
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(store.get("state")).contains("c");
        assertThat(store.compareAndSet("state", utf8bytes("b"), utf8bytes("d"))).isFalse();
    }

    @Test
    void aDeleteWhoseCommittedAnswerIsLostStillSaysItDeleted() {
        assertThat(store.compareAndSet("doomed", null, utf8bytes("x"))).isTrue(); // the store knows the key now
        losing.loseNextAnswer();
        assertThat(store.delete("doomed")).isTrue();
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(store.exists("doomed")).isFalse();
        assertThat(store.delete("doomed")).isFalse();
    }

    @Test
    void aLockWhoseEnqueueAnswerIsLostIsQueuedOnceAndAcquired() {
        KVLock lock = store.capability(Locks.class).orElseThrow().lock("job");
        losing.loseNextAnswer();
        try (KVLock.Hold hold = lock.acquire(Duration.ofSeconds(10))) {
            assertThat(losing.lost()).isEqualTo(1);
            assertThat(hold.isValid()).isTrue();
            assertThat(count("tensorbus/locks/job/queue/")).as("one queue key, not two").isEqualTo(1);
        }
        assertThat(count("tensorbus/locks/job/queue/")).isZero();
    }

    @Test
    void tokenKeysAreDeletedOnceTheKeyIsIdleAndWhenTheStoreCloses() {
        store.add("idle", 1);
        assertThat(count("/w/")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> count("/w/") == 0);

        for (int i = 0; i < 20; i++) {
            store.add("busy-" + i, 1);
        }
        assertThat(count("/w/")).isPositive();
        store.close();
        assertThat(count("/w/")).isZero();
        assertThat(count("tensorbus/")).isEqualTo(21);
    }

    /** @return the value at {@code {namespace}/{key}}, read by a store without the interceptor */
    private String stored(String key) {
        try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build()) {
            var kvs = direct.jetcdClient().getKVClient().get(utf8(namespace + "/" + key)).join().getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        }
    }

    /** @return how many keys are under {@code {namespace}/{prefix}} */
    private long count(String prefix) {
        try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build()) {
            return direct.jetcdClient().getKVClient().get(utf8(namespace + "/" + prefix),
                    GetOption.builder().isPrefix(true).withCountOnly(true).build()).join().getCount();
        }
    }

    private static byte[] utf8bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteSequence utf8(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
