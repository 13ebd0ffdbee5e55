package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's limits: refused before sending, named with the setting that changes them; long key lists split. */
class TcpKVStoreLimitsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TcpStoreServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TcpKVStore.Builder clientOf(TcpStoreServer server) {
        return TcpKVStore.builder().host("127.0.0.1").port(server.port()).connectTimeout(TIMEOUT)
                .requestTimeout(TIMEOUT).namespace("limits");
    }

    @Test
    void aValueOverTheLimitFailsBeforeSendingAndNamesTheSetting() {
        server = TcpStoreServer.builder().port(0).maxValueBytes(1024).build().start();
        try (TcpKVStore store = clientOf(server).maxValueBytes(1024).build()) {
            store.set("fits", "x".repeat(1024));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 1);

            assertThatThrownBy(() -> store.setBytes("big", new byte[1025]))
                    .isInstanceOf(KVStoreLimitException.class)
                    .hasMessageContaining("value of 1025 bytes for key 'limits/tensorbus/big'")
                    .hasMessageContaining("maximum value size of 1024 bytes")
                    .hasMessageContaining("nothing was sent")
                    .hasMessageContaining("kvstore.tcp.server.max-value-size")
                    .hasMessageContaining("TcpKVStore.Builder.maxValueBytes");
            assertThatThrownBy(() -> store.compareAndSet("fits", "x".repeat(1024).getBytes(), new byte[2048]))
                    .isInstanceOf(KVStoreLimitException.class);

            assertThat(store.exists("big")).isFalse();
            assertThat(store.get("fits")).contains("x".repeat(1024));
            assertThat(server.connectionCount()).as("the server closed no connection: nothing reached it")
                    .isEqualTo(1);
        }
    }

    @Test
    void theDefaultLimitIsTheMastersDefault8MiB() {
        server = TcpStoreServer.builder().port(0).build().start();
        try (TcpKVStore store = clientOf(server).build()) {
            store.setBytes("largest", new byte[8 * 1024 * 1024]);
            assertThat(store.getBytes("largest")).hasValueSatisfying(v -> assertThat(v).hasSize(8 * 1024 * 1024));
            assertThatThrownBy(() -> store.setBytes("too-large", new byte[8 * 1024 * 1024 + 1]))
                    .isInstanceOf(KVStoreLimitException.class)
                    .hasMessageContaining("8388608 bytes");
        }
    }

    @Test
    void aMastersLimitsApplyToItsOwnServerAndItsClient() {
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).connectTimeout(TIMEOUT)
                .requestTimeout(TIMEOUT)
                .maxValueBytes(100).build();
                TcpKVStore client = TcpKVStore.builder().host("127.0.0.1").port(master.port()).connectTimeout(TIMEOUT)
                        .requestTimeout(TIMEOUT)
                        .maxValueBytes(1000).build()) {
            assertThatThrownBy(() -> master.setBytes("v", new byte[101])).isInstanceOf(KVStoreLimitException.class);
            // A client whose own limit is higher than the master's loses its connection to the master's limit.
            client.setBytes("small", new byte[100]);
            assertThatThrownBy(() -> client.setBytes("v", new byte[101]))
                    .isNotInstanceOf(KVStoreLimitException.class);
            assertThat(master.exists("v")).isFalse();
        }
    }

    @Test
    void waitForKeysWithMoreCandidatesThanOneRequestMayCarrySplitsItsRequests() throws Exception {
        server = TcpStoreServer.builder().port(0).maxKeysPerRequest(4).build().start();
        try (TcpKVStore waiter = clientOf(server).maxKeysPerRequest(4).build();
                TcpKVStore writer = clientOf(server).build()) {
            List<String> candidates = new ArrayList<>();
            for (int rank = 0; rank < 10; rank++) {
                candidates.add("rank:" + rank + "/ready");
            }
            CompletableFuture<List<String>> anyValue = CompletableFuture.supplyAsync(
                    () -> waiter.waitForKeys(KeysQuery.matching("rank:*/ready", 10).withAnyValue()
                            .withCandidates(candidates), TIMEOUT));
            CompletableFuture<List<String>> readyValue = CompletableFuture.supplyAsync(
                    () -> waiter.waitForKeys(KeysQuery.matching("rank:*/ready", 10).withCandidates(candidates),
                            TIMEOUT));
            for (String key : candidates) {
                writer.set(key, "1");
            }
            assertThat(anyValue.get(30, TimeUnit.SECONDS)).hasSize(10);
            assertThat(readyValue.get(30, TimeUnit.SECONDS)).containsExactlyElementsOf(candidates);
        }
    }
}
