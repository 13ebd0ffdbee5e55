package dev.kvstore.etcd.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which threads run the callbacks of etcd calls, on a real etcd. */
class EtcdAccessCallbacksTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ByteSequence KEY = ByteSequence.from("callbacks/k", StandardCharsets.UTF_8);

    private static EtcdServer etcd;
    private static Client client;
    private static EtcdAccess access;

    @BeforeAll
    static void connect() {
        etcd = EtcdServer.start();
        ClientBuilder builder = Client.builder().endpoints(etcd.endpoint());
        EtcdAccess.configure(builder, TIMEOUT);
        client = builder.build();
        access = new EtcdAccess(client, List.of(etcd.endpoint()), TIMEOUT);
    }

    @AfterAll
    static void close() {
        client.close();
        etcd.stop();
    }

    @Test
    void aBurstOfAsynchronousCallsRunsItsCallbacksOnAFewSharedThreads() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<GetResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            calls.add(access.call(() -> access.kv().get(KEY).thenApply(read -> {
                threads.add(Thread.currentThread().getName());
                return read;
            })));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        // gRPC's default executor would start a thread for each answer that finds its threads busy.
        assertThat(threads).isNotEmpty().allMatch(name -> name.startsWith("kvstore-etcd-callbacks-"));
        assertThat(threads).hasSizeLessThanOrEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void aBlockingCallRunsItsCallbacksOnTheCallersThread() {
        String caller = Thread.currentThread().getName();
        String ran = access.await("get", () -> access.kv().get(KEY)
                .thenApply(read -> Thread.currentThread().getName()));
        assertThat(ran).isEqualTo(caller);
    }
}
