package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.testing.EtcdClusterExtension;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Gateways on a real 3-member etcd cluster whose leader is killed: 64 torch 1.13 ranks split over two gateways go on
 * with their barriers and lose nothing; a wait pending through one gateway is woken after the election by a write
 * through the other.
 */
@RequiresEtcd
class TcpStoreGatewayFailoverTest {

    private static final int WORLD = 64;

    @RegisterExtension
    static final EtcdClusterExtension etcd = new EtcdClusterExtension(3);

    private final String prefix = "gateway-failover/" + UUID.randomUUID() + "/";
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        etcd.cluster().startStopped();
    }

    private TcpStoreServer gateway() {
        TcpStoreServer server = TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.cluster().endpoints())
                        .requestTimeout(Duration.ofSeconds(10)), prefix))
                .build().start();
        resources.add(server);
        return server;
    }

    @RequiresTorch
    @Test
    void leaderKilledDuringBarriersOf64TorchRanksOnTwoGateways() throws Exception {
        TcpStoreServer a = gateway();
        TcpStoreServer b = gateway();
        PythonProcess ranks = PythonProcess.start("torch_barrier_ranks.py", "127.0.0.1", a.port() + "," + b.port(),
                WORLD);
        resources.add(ranks);
        ranks.awaitLine("ROUND 2"::equals, Duration.ofSeconds(120));

        EtcdServer leader = etcd.cluster().leader().orElseThrow();
        leader.kill();
        int killedAt = Integer.parseInt(ranks.awaitLineStartingWith("ROUND ", Duration.ofSeconds(60)));
        ranks.awaitLine(("ROUND " + (killedAt + 3))::equals, Duration.ofSeconds(120));

        try (TcpStoreClient java = TcpStoreClient.connect("127.0.0.1", b.port(), dev.kvstore.tcp.protocol.TcpProtocol.MODERN,
                Duration.ofSeconds(30))) {
            java.add("stop", 1);
            int rounds = Integer.parseInt(ranks.awaitLineStartingWith("DONE ", Duration.ofMinutes(2)));
            ranks.assertSucceeds(Duration.ofMinutes(1));
            assertThat(rounds).isGreaterThan(killedAt);
            // Every rank's acknowledged write of every round is there, through either gateway.
            for (int rank = 0; rank < WORLD; rank++) {
                for (int round = 0; round < rounds; round++) {
                    assertThat(new String(java.get("ack/" + rank + "/" + round), StandardCharsets.UTF_8))
                            .isEqualTo(Integer.toString(round));
                }
            }
        }
    }

    @Test
    void aWaitPendingAcrossALeaderKillIsWokenByAWriteThroughTheOtherGateway() throws Exception {
        TcpStoreServer a = gateway();
        TcpStoreServer b = gateway();
        WireConnection waiter = WireConnection.open(a.port(), TcpProtocol.MODERN);
        resources.add(waiter);
        waiter.request(WAIT).keys("/after-election").send();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.waiterCount() == 1);

        etcd.cluster().leader().orElseThrow().kill();

        WireConnection writer = WireConnection.open(b.port(), TcpProtocol.MODERN);
        resources.add(writer);
        writer.request(SET).str("/after-election").bytes("v".getBytes(StandardCharsets.UTF_8)).send();
        assertThat(waiter.readU8()).isEqualTo(ReplyCodes.STOP_WAITING);
        waiter.request(GET).str("/after-election").send();
        assertThat(waiter.readString()).isEqualTo("v");
    }
}
