package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.server.ServerStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared KVStore contract for {@link TcpKVStore} clients of a master whose server keeps its keys in a real etcd
 * (a gateway), with the {@link ProtocolGeneration#MODERN} protocol: the same results as against the in-memory master.
 */
@RequiresEtcd
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpKVStoreThroughGatewayContractTest extends KVStoreContractTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private TcpKVStore master;

    @BeforeAll
    void startGateway() {
        master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).protocol(ProtocolGeneration.MODERN)
                .timeout(Duration.ofSeconds(30)).namespace("contract-gateway")
                .server(server -> server.store(ServerStore.etcd(EtcdKVStore.builder().endpoints(etcd.endpoints()),
                        "gateway-contract/")))
                .build();
    }

    @AfterAll
    void stopGateway() {
        if (master != null) {
            master.close();
        }
    }

    @Override
    protected KVStore createStore(String namespace, String component) {
        return TcpKVStore.builder()
                .host("127.0.0.1")
                .port(master.port())
                .protocol(ProtocolGeneration.MODERN)
                .timeout(Duration.ofSeconds(30))
                .namespace(namespace)
                .component(component)
                .build();
    }

    @Override
    protected boolean requiresCandidateKeys() {
        return true;
    }
}
