package dev.kvstore.tcp;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared KVStore contract for {@link TcpKVStore} clients of a master whose server keeps its keys in a real etcd
 * (a gateway), with the {@link TcpProtocol#MODERN} protocol: the same results as against the in-memory master.
 */
@RequiresEtcd
class TcpKVStoreThroughGatewayContractTest extends TcpKVStoreContractTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Override
    protected void configureServer(TcpStoreServer.Builder server) {
        server.store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints()), "gateway-contract/"));
    }

    /** A gateway does not serve the in-memory master's prefix watches (EXT_WATCH_PREFIX). */
    @Override
    protected boolean canWatch() {
        return false;
    }

    /** ... nor its connection-owned keys (EXT_SET_EPHEMERAL). */
    @Override
    protected boolean hasLeases() {
        return false;
    }
}
