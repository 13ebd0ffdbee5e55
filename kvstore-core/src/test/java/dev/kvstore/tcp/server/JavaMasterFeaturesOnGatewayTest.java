package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.kvstore.CapturedLog;
import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KeyWatches;
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
 * offers neither (saying why at INFO), and the gateway keeps serving that store.
 */
@RequiresEtcd
class JavaMasterFeaturesOnGatewayTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RegisterExtension
    final CapturedLog featuresLog = new CapturedLog(TcpKVStore.class, Level.INFO);

    @Test
    void watchesAndEphemeralKeysAreNotOfferedAndTheGatewayServesOn() {
        try (TcpStoreServer gateway = TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints())
                        .requestTimeout(Duration.ofSeconds(5)), "gateway-features/" + UUID.randomUUID() + "/"))
                .build().start();
                TcpKVStore store = TcpKVStore.builder().host("127.0.0.1").port(gateway.port())
                        .requestTimeout(Duration.ofSeconds(10)).namespace("features").build()) {
            assertThat(store.capability(KeyWatches.class)).isEmpty();
            assertThat(store.capability(EphemeralKeys.class)).isEmpty();
            assertThat(featuresLog.messages(Level.INFO)).anySatisfy(line -> assertThat(line)
                    .contains("TCPStore master 127.0.0.1:" + gateway.port() + " is not the Java master")
                    .contains("as PyTorch masters and Java gateways on etcd do")
                    .contains("offers no key watches and no ephemeral keys"));
            store.set("after", "served");
            assertThat(store.get("after")).contains("served");
        }
    }
}
