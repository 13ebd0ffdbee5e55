package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TestScope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A gateway killed (SIGKILL of its JVM) under a running gloo job of real torch ranks (1.13 and 2.6) split over two
 * gateways on one etcd: the ranks on the dead gateway see their store connections closed and raise at once, not
 * after their 60 s store timeout; a new client reads every rank's key through the surviving gateway; and the ranks
 * waiting on the survivor are woken by a write through another gateway (a restarted one).
 */
@RequiresEtcd
@RequiresTorch
class GatewayKilledUnderTorchRanksTest {

    private static final int WORLD = 4;
    private static final Duration STEP = Duration.ofSeconds(120);
    /** Far below the ranks' 60 s store timeout: the closed connection, not the timeout, ends their wait. */
    private static final double MAX_SECONDS_TO_RAISE = 30;

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    /** The gateways' etcd prefix (a namespace per test) and what the test started, stopped after it. */
    @RegisterExtension
    final TestScope test = new TestScope("gateway-killed");

    private ForkedGateway gateway() throws InterruptedException {
        return test.track(ForkedGateway.start(etcd.endpoints(), test.namespace() + "/"));
    }

    @ParameterizedTest
    @EnumSource(PythonRuntime.class)
    void ranksOnTheKilledGatewayRaiseAndTheOthersAreWokenThroughAnotherGateway(PythonRuntime runtime)
            throws Exception {
        runtime.require();
        ForkedGateway dying = gateway();
        ForkedGateway surviving = gateway();
        List<PythonProcess> ranks = new ArrayList<>();
        for (int rank = 0; rank < WORLD; rank++) {
            ranks.add(test.track(PythonProcess.start(runtime, "torch_rank_through_dying_gateway.py", "127.0.0.1",
                    (rank % 2 == 0 ? dying : surviving).port(), rank, WORLD)));
        }
        for (PythonProcess rank : ranks) {
            assertThat(rank.awaitLineStartingWith("ALLREDUCE=", STEP)).isEqualTo("10");
            rank.awaitLine("READY"::equals, STEP);
        }

        dying.kill();
        for (int rank = 0; rank < WORLD; rank += 2) {
            String[] raised = ranks.get(rank).awaitLineStartingWith("RAISED ", STEP).split(" ");
            assertThat(Double.parseDouble(raised[1])).as("rank %d's wait ended by %s", rank, raised[0])
                    .isLessThan(MAX_SECONDS_TO_RAISE);
        }

        try (TcpStoreClient reader = connect(surviving)) {
            for (int rank = 0; rank < WORLD; rank++) {
                assertThat(new String(reader.get("key/" + rank), StandardCharsets.UTF_8))
                        .isEqualTo("value of " + rank);
            }
        }
        try (TcpStoreClient writer = connect(gateway())) {
            writer.set("release", "after the kill".getBytes(StandardCharsets.UTF_8));
        }
        for (int rank = 1; rank < WORLD; rank += 2) {
            assertThat(ranks.get(rank).awaitLineStartingWith("WOKEN=", STEP)).isEqualTo("after the kill");
        }
        for (PythonProcess rank : ranks) {
            rank.assertSucceeds(STEP);
        }
    }

    private static TcpStoreClient connect(ForkedGateway gateway) {
        return TcpStoreClient.connect("127.0.0.1", gateway.port(), TcpProtocol.MODERN, Duration.ofSeconds(30));
    }
}
