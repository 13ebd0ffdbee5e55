package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** etcd-specific edges of the waits beyond the shared contract. */
@RequiresEtcd
class EtcdKVStoreWaitTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private EtcdKVStore store;

    @BeforeEach
    void open(TestInfo info) {
        store = EtcdKVStore.builder().endpoints(etcd.endpoints())
                .namespace("wait-" + info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime()).build();
    }

    @AfterEach
    void close() {
        store.close(true);
    }

    @Test
    void aZeroTimeoutChecksTheCurrentStateOnce() {
        store.set("present", "v");
        assertThat(store.waitForKey("present", Duration.ZERO)).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
        assertThat(store.waitForKeys(KeysQuery.matching("pres*", 1).withValue("v"), Duration.ZERO))
                .containsExactly("present");
        assertThatThrownBy(() -> store.waitForKey("absent", Duration.ZERO))
                .isInstanceOf(KVStoreTimeoutException.class).hasMessageContaining("absent");
    }

    @Test
    void anEnormousTimeoutDoesNotOverflow() {
        store.set("present", "v");
        assertThat(store.waitForValue("present", "v", ChronoUnit.FOREVER.getDuration()))
                .isEqualTo("v".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void waitForKeysWithALeadingWildcardStaysInItsComponent() {
        store.set("a/ready", "1");
        store.set("b/c/ready", "1");
        store.set("b/not-ready", "1");
        store.withComponent("other").set("x/ready", "1");
        assertThat(store.waitForKeys("*/ready", 2)).containsExactly("a/ready", "b/c/ready");
        assertThatThrownBy(() -> store.waitForKeys(KeysQuery.matching("*/ready", 3), Duration.ofMillis(300)))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("2 of 3")
                .hasMessageContaining("[a/ready, b/c/ready]");
    }
}
