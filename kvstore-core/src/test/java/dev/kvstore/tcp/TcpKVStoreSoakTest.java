package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads sharing one store and mixing quick operations, satisfied waits and timed-out waits for a while
 * against an embedded Java master. Run with {@code -Psoak}.
 */
@Tag("soak")
class TcpKVStoreSoakTest {

    private static final int THREADS = 16;
    private static final Duration RUN = Duration.ofSeconds(20);

    @ParameterizedTest
    @EnumSource(value = TcpProtocol.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void sharedStoreUnderMixedLoad(TcpProtocol protocol) throws Exception {
        TcpProtocol legacy =
                protocol == TcpProtocol.V2_1 ? TcpProtocol.V2_1 : TcpProtocol.LEGACY;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (TcpKVStore master = TcpKVStore.builder().master(true).port(0).serverLegacyProtocol(legacy)
                .protocol(protocol).connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30))
                .namespace("soak").build();
                TcpKVStore shared = TcpKVStore.builder().port(master.port()).protocol(protocol)
                        .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30))
                        .namespace("soak").build()) {
            long end = System.nanoTime() + RUN.toNanos();
            AtomicLong adds = new AtomicLong();
            AtomicLong timeouts = new AtomicLong();
            List<Future<Long>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    long rounds = 0;
                    while (System.nanoTime() - end < 0) {
                        String key = "t" + thread + "/r" + rounds;
                        shared.set(key, key);
                        assertThat(shared.get(key)).contains(key);
                        assertThat(shared.waitForKey(key, Duration.ofSeconds(10)))
                                .isEqualTo(key.getBytes(StandardCharsets.UTF_8));
                        shared.add("total", 1);
                        adds.incrementAndGet();
                        if (rounds % 10 == 0) {
                            try {
                                shared.waitForKey("never/" + thread, Duration.ofMillis(5));
                            } catch (KVStoreTimeoutException expected) {
                                timeouts.incrementAndGet();
                            }
                        }
                        assertThat(shared.delete(key)).isTrue();
                        rounds++;
                    }
                    return rounds;
                }));
            }
            long rounds = 0;
            for (Future<Long> worker : workers) {
                rounds += worker.get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
            }
            assertThat(shared.get("total")).contains(String.valueOf(adds.get()));
            assertThat(rounds).isEqualTo(adds.get());
            assertThat(timeouts.get()).isPositive();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
