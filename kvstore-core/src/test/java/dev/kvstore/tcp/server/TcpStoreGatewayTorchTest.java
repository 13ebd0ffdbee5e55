package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.Command.GET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdGatewayStore;
import dev.kvstore.tcp.protocol.Generation;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
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
    private final List<TcpStoreServer> servers = new ArrayList<>();
    private final List<PythonProcess> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(PythonProcess::close);
        servers.forEach(TcpStoreServer::close);
    }

    private TcpStoreServer gateway() {
        TcpStoreServer server = TcpStoreServer.builder().port(0)
                .store(EtcdGatewayStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints()), prefix)).build().start();
        servers.add(server);
        return server;
    }

    private PythonProcess python(PythonRuntime runtime, String script, Object... args) {
        PythonProcess process = PythonProcess.start(runtime, script, args);
        processes.add(process);
        return process;
    }

    @Test
    void rawSessionRepliesMatchATorch113MasterByteForByte() throws Exception {
        PythonProcess session = python(PythonRuntime.TORCH_1_13, "server_differential_session.py", "127.0.0.1",
                gateway().port());
        List<String> torch = List.of(session.awaitLineStartingWith("TORCH=", PYTHON_TIMEOUT).split("\\|"));
        List<String> gateway = List.of(session.awaitLineStartingWith("SERVER=", PYTHON_TIMEOUT).split("\\|"));
        session.assertSucceeds(PYTHON_TIMEOUT);
        assertThat(torch).hasSize(30).contains("get_missing:EOF", "watch_ack:03");
        assertThat(gateway).containsExactlyElementsOf(torch);
    }

    @Test
    void rawModernSessionRepliesMatchATorch26MasterByteForByte() throws Exception {
        PythonProcess session = python(PythonRuntime.TORCH_2_6, "server_differential_session.py", "127.0.0.1",
                gateway().port(), "modern");
        List<String> torch = List.of(session.awaitLineStartingWith("TORCH=", PYTHON_TIMEOUT).split("\\|"));
        List<String> gateway = List.of(session.awaitLineStartingWith("SERVER=", PYTHON_TIMEOUT).split("\\|"));
        session.assertSucceeds(PYTHON_TIMEOUT);
        assertThat(torch).hasSize(32).contains("ping:92100000", "cancel_pending_wait:01", "get_missing:EOF");
        assertThat(gateway).containsExactlyElementsOf(torch);
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
        for (PythonProcess rank : ranks) {
            assertThat(rank.awaitLineStartingWith("PEERS=", PYTHON_TIMEOUT))
                    .isEqualTo("hello from 0,hello from 1,hello from 2,hello from 3");
        }
        for (PythonProcess rank : ranks) {
            assertThat(rank.awaitLineStartingWith("ALLREDUCE=", PYTHON_TIMEOUT)).isEqualTo("10");
        }
        for (PythonProcess rank : ranks) {
            rank.assertSucceeds(PYTHON_TIMEOUT);
        }
        try (WireConnection reader = WireConnection.open(gateways.get(1).port(), Generation.MODERN)) {
            reader.request(GET).str("init/").send();
            assertThat(reader.readString()).isEqualTo("4");
            reader.request(GET).str("/joined").send();
            assertThat(reader.readString()).isEqualTo("4");
        }
    }
}
