package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared KVStore contract for {@link TcpKVStore} against an embedded Java master ({@link TcpKVStore} with
 * {@code master(true)}), with the {@link ProtocolGeneration#MODERN} protocol. Subclasses run it with the older
 * generations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpKVStoreContractTest extends KVStoreContractTest {

    private TcpKVStore master;

    /** @return the protocol the clients speak */
    protected ProtocolGeneration protocol() {
        return ProtocolGeneration.MODERN;
    }

    @BeforeAll
    void startMaster() {
        ProtocolGeneration legacy =
                protocol() == ProtocolGeneration.V2_1 ? ProtocolGeneration.V2_1 : ProtocolGeneration.LEGACY;
        master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).protocol(protocol())
                .serverLegacyProtocol(legacy).timeout(Duration.ofSeconds(30)).namespace("contract-master")
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
    static TcpKVStore client(String host, int port, ProtocolGeneration protocol, String namespace,
            String component) {
        return TcpKVStore.builder()
                .host(host)
                .port(port)
                .protocol(protocol)
                .timeout(Duration.ofSeconds(30))
                .namespace(namespace)
                .component(component)
                .build();
    }

    @Override
    protected boolean requiresCandidateKeys() {
        return true;
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
}
