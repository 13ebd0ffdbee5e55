package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared KVStore contract for {@link TcpKVStore} against an embedded Java master ({@link TcpKVStore} with
 * {@code master(true)}), with the {@link TcpProtocol#MODERN} protocol. Subclasses run it with the older
 * generations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpKVStoreContractTest extends KVStoreContractTest {

    private TcpKVStore master;

    /** @return the protocol the clients speak */
    protected TcpProtocol protocol() {
        return TcpProtocol.MODERN;
    }

    @BeforeAll
    void startMaster() {
        TcpProtocol legacy =
                protocol() == TcpProtocol.V2_1 ? TcpProtocol.V2_1 : TcpProtocol.LEGACY;
        master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).protocol(protocol())
                .serverLegacyProtocol(legacy).connectTimeout(Duration.ofSeconds(30))
                        .requestTimeout(Duration.ofSeconds(30)).namespace("contract-master")
                .server(this::configureServer).build();
    }

    /** Subclasses set the master's server up otherwise (e.g. keys in etcd). */
    protected void configureServer(TcpStoreServer.Builder server) {
    }

    @AfterAll
    void stopMaster() {
        if (master != null) {
            master.close();
        }
    }

    @Override
    protected KVStore createStore(String namespace, String component) {
        return client("127.0.0.1", master.port(), protocol(), namespace, component);
    }

    /** A contract store: a TCPStore client of the master in the protocol, with the contract's generous timeout. */
    static TcpKVStore client(String host, int port, TcpProtocol protocol, String namespace,
            String component) {
        return TcpKVStore.builder()
                .host(host)
                .port(port)
                .protocol(protocol)
                .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30))
                .namespace(namespace)
                .component(component)
                .build();
    }

    /** The Java master's prefix watches, under every client numbering. */
    @Override
    protected boolean canWatch() {
        return true;
    }

    /** The Java master's ephemeral keys, owned by the setting store's connection. */
    @Override
    protected boolean hasLeases() {
        return true;
    }

    /** TCPStore waits with WAIT and CHECK on the candidates: a timeout names the missing ones. */
    @Override
    protected boolean waitsOnCandidates() {
        return true;
    }
}
