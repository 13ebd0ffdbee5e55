package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.WatchRecorder;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Java TCPStore gateway on etcd does not serve the in-memory master's watches and ephemeral keys: a store asking it
 * is refused clearly, and the gateway keeps serving that store.
 */
@RequiresEtcd
class JavaMasterFeaturesOnGatewayTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Test
    void watchesAndEphemeralKeysAreRefusedClearlyAndTheGatewayServesOn() {
        try (TcpStoreServer gateway = TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints())
                        .requestTimeout(Duration.ofSeconds(5)), "gateway-features/" + UUID.randomUUID() + "/"))
                .build().start();
                TcpKVStore store = TcpKVStore.builder().host("127.0.0.1").port(gateway.port())
                        .requestTimeout(Duration.ofSeconds(10)).namespace("features").build()) {
            assertThatThrownBy(() -> store.watch("w/", new WatchRecorder()))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cannot watch keys on the master at 127.0.0.1:" + gateway.port())
                    .hasMessageContaining("as PyTorch masters and Java gateways on etcd do");
            assertThatThrownBy(() -> store.setEphemeral("member", "1"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no ephemeral keys");
            store.set("after", "served");
            assertThat(store.get("after")).contains("served");
        }
    }
}
