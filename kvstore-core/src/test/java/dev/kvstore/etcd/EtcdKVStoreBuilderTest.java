package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresEtcd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Configuration checks of the builder, several endpoints, and the health-check status call. */
@RequiresEtcd
class EtcdKVStoreBuilderTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Test
    void invalidConfigurationIsRejectedBeforeConnecting() {
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints("127.0.0.1:2379").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://host:port");
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints("https://127.0.0.1:2379").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caCertificate");
        assertThatThrownBy(() -> EtcdKVStore.builder().user("alice").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password");
        assertThatThrownBy(() -> EtcdKVStore.builder()
                .clientCertificate(Path.of("client.pem"), Path.of("client-key.pem")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caCertificate");
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints("https://127.0.0.1:2379")
                .caCertificate(Path.of("/nonexistent/ca.pem")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/nonexistent/ca.pem");
        assertThatThrownBy(() -> EtcdKVStore.builder().requestTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> EtcdKVStore.builder().namespace("a/b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
    }

    @Test
    void clusterStatusReportsTheServer() {
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).build()) {
            store.set("status-check", "1");
            EtcdClusterStatus status = store.clusterStatus(Duration.ofSeconds(5));
            assertThat(status.endpoint()).isEqualTo(etcd.endpoint());
            assertThat(status.hasLeader()).isTrue();
            assertThat(status.memberId()).isNotZero();
            assertThat(status.version()).startsWith("3.");
            assertThat(status.revision()).isPositive();
        }
    }

    @Test
    void aDeadEndpointAmongSeveralIsTolerated() {
        String dead = "http://127.0.0.1:" + FreePorts.pick();
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(dead, etcd.endpoint())
                .namespace("several-" + System.nanoTime()).build()) {
            assertThat(store.endpoints()).containsExactly(dead, etcd.endpoint());
            for (int i = 0; i < 10; i++) {
                store.set("k" + i, "v" + i);
                assertThat(store.get("k" + i)).contains("v" + i);
            }
            assertThat(store.clusterStatus(Duration.ofSeconds(5)).endpoint()).isEqualTo(etcd.endpoint());
        }
    }

    @Test
    void closedStoreRefusesStatus() {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).build();
        store.close();
        assertThatThrownBy(() -> store.clusterStatus(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
    }
}
