package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The stall log of the embedded master, configured by {@code kvstore.tcp.server.stall-*}, with a real waiter. */
@ExtendWith(OutputCaptureExtension.class)
class StallLogPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class))
        .withPropertyValues("kvstore.tcp.port=0", "kvstore.namespace=stalled", "kvstore.component=app");

    @Test
    void theMasterNamesAKeyWaitedForLongerThanTheThreshold(CapturedOutput output) {
        this.runner
            .withPropertyValues("kvstore.tcp.server.stall-threshold=200ms", "kvstore.tcp.server.stall-log-interval=200ms")
            .run((context) -> {
                KVStore store = context.getBean(KVStore.class);
                CompletableFuture<byte[]> waiting = CompletableFuture
                    .supplyAsync(() -> store.waitForKey("late", Duration.ofSeconds(60)));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(output.getOut())
                    .contains("key '/stalled/app/late' is missing; 1 client(s) have waited for it"));
                store.set("late", "now");
                assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("now".getBytes());
            });
    }

    @Test
    void byDefaultAShortWaitIsNotLogged(CapturedOutput output) {
        this.runner.run((context) -> {
            KVStore store = context.getBean(KVStore.class);
            CompletableFuture<byte[]> waiting = CompletableFuture
                .supplyAsync(() -> store.waitForKey("soon", Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(20))
                .until(() -> ((ManagedKVStore) store).pendingWaits().count() == 1);
            store.set("soon", "now");
            assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("now".getBytes());
            assertThat(output.getOut()).doesNotContain("soon' is missing");
        });
    }

}
