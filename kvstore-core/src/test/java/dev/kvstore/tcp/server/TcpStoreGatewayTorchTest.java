package dev.kvstore.tcp.server;


import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TrackedResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real torch ranks (1.13 and 2.6) on TCPStore gateways that keep their keys in a real etcd: the differential
 * sessions give the bytes of a torch master, and one gloo job split over two gateways initialises, all-reduces and
 * meets at barriers.
 */
@RequiresEtcd
@RequiresTorch
class TcpStoreGatewayTorchTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final String prefix = "gateway-torch/" + UUID.randomUUID() + "/";
    private final TrackedResources resources = new TrackedResources();

    @AfterEach
    void stopAll() throws Exception {
        resources.closeAll(); // the Python processes first, then the gateways
    }

    private TcpStoreServer gateway() {
        return resources.track(TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints()), prefix)).build().start());
    }

    private PythonProcess python(PythonRuntime runtime, String script, Object... args) {
        return resources.track(PythonProcess.start(runtime, script, args));
    }

    @Test
    void rawSessionRepliesMatchATorch113MasterByteForByte() throws Exception {
        PythonProcess session = python(PythonRuntime.TORCH_1_13, "server_differential_session.py", "127.0.0.1",
                gateway().port());
        TorchRanks.assertSessionMatchesTorch(session, PYTHON_TIMEOUT, 30, "get_missing:EOF", "watch_ack:03");
    }

    @Test
    void rawModernSessionRepliesMatchATorch26MasterByteForByte() throws Exception {
        PythonProcess session = python(PythonRuntime.TORCH_2_6, "server_differential_session.py", "127.0.0.1",
                gateway().port(), "modern");
        TorchRanks.assertSessionMatchesTorch(session, PYTHON_TIMEOUT, 32, "ping:92100000", "cancel_pending_wait:01",
                "get_missing:EOF");
    }

    /** Four ranks, two on each gateway: one gloo group, its all_reduce and barrier, all through etcd. */
    @ParameterizedTest
    @EnumSource(PythonRuntime.class)
    void glooJobSplitOverTwoGatewaysAllReduces(PythonRuntime runtime) throws Exception {
        runtime.require();
        List<TcpStoreServer> gateways = List.of(gateway(), gateway());
        int worldSize = 4;
        List<PythonProcess> ranks = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) {
            ranks.add(python(runtime, "torch_client_gloo_rank.py", "127.0.0.1", gateways.get(rank % 2).port(), rank,
                    worldSize));
        }
        TorchRanks.assertGlooJobCompletes(ranks, PYTHON_TIMEOUT);
        try (WireConnection reader = WireConnection.open(gateways.get(1).port(), TcpProtocol.MODERN)) {
            TorchRanks.assertJobRegistered(reader, worldSize);
        }
    }
}
