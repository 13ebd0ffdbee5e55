package dev.kvstore.tcp.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway's SETs on a real etcd: those asked for while writes are under way go out together, a key SET many times
 * meanwhile (PyTorch's store-based barrier: every rank that counts all arrivals SETs {@code last_worker}) is put once
 * with its last value, and every SET completes once its value is in etcd.
 */
@RequiresEtcd
class GatewayBatchedSetsTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final GatewayKeys keys = new GatewayKeys("batched-sets/" + UUID.randomUUID() + "/");
    private final Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    private final KV kv = client.getKVClient();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void setsQueuedWhileWritesAreUnderWayShareOneTransactionAndTheLastValueOfAKeyWins() throws Exception {
        // The writes go to etcd once the gate opens: until then, the first two are under way and the rest queue.
        CompletableFuture<Void> gate = new CompletableFuture<>();
        List<Integer> transactionSizes = new CopyOnWriteArrayList<>();
        BatchedSets sets = new BatchedSets(keys, ops -> {
            transactionSizes.add(ops.length);
            return gate.thenCompose(open -> kv.txn().Then(ops).commit());
        });
        List<CompletableFuture<Void>> done = new ArrayList<>();
        int ranks = 300;
        for (int rank = 0; rank < ranks; rank++) {
            done.add(sets.set("/barrier:last_worker", utf8(rank == ranks - 1 ? "last" : "1")));
            done.add(sets.set("/rank/" + rank, utf8("ready " + rank)));
        }
        assertThat(transactionSizes).as("the first two SETs went out at once, alone").containsExactly(1, 1);
        assertThat(done).noneMatch(CompletableFuture::isDone);

        gate.complete(null);
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        // 600 SETs of 301 keys: two alone, then the 300 keys queued (one put each) in chunks of etcd's 128 ops.
        assertThat(transactionSizes).containsExactly(1, 1, 128, 128, 44);
        assertThat(read("/barrier:last_worker")).isEqualTo("last");
        for (int rank = 0; rank < ranks; rank++) {
            assertThat(read("/rank/" + rank)).isEqualTo("ready " + rank);
        }
    }

    @Test
    void aLoneSetGoesOutAtOnceAndCompletesWhenItIsInEtcd() throws Exception {
        List<Integer> transactionSizes = new CopyOnWriteArrayList<>();
        BatchedSets sets = new BatchedSets(keys, ops -> {
            transactionSizes.add(ops.length);
            return kv.txn().Then(ops).commit();
        });

        sets.set("/alone", utf8("v1")).get(30, TimeUnit.SECONDS);
        assertThat(read("/alone")).isEqualTo("v1");
        sets.set("/alone", utf8("v2")).get(30, TimeUnit.SECONDS);

        assertThat(read("/alone")).isEqualTo("v2");
        assertThat(transactionSizes).containsExactly(1, 1);
    }

    @Test
    void aFailedWriteFailsEverySetItHeldAndTheNextSetsAreWrittenAgain() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        BatchedSets sets = new BatchedSets(keys, ops -> gate.isDone() ? kv.txn().Then(ops).commit()
                : CompletableFuture.failedFuture(new IllegalStateException("etcd unavailable")));

        CompletableFuture<Void> failed = sets.set("/k", utf8("lost"));
        assertThat(failed).isCompletedExceptionally();
        gate.complete(null);
        sets.set("/k", utf8("kept")).get(30, TimeUnit.SECONDS);

        assertThat(read("/k")).isEqualTo("kept");
    }

    private String read(String key) throws Exception {
        List<io.etcd.jetcd.KeyValue> found = kv.get(keys.value(key.getBytes(StandardCharsets.ISO_8859_1)))
                .get(30, TimeUnit.SECONDS).getKvs();
        return found.isEmpty() ? null : found.get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
