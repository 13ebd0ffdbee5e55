package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * torchrun (PyTorch 2.6) agents whose c10d rendezvous goes through two TCPStore gateways on one etcd behind one job
 * address ({@link JobAddress}, as a Kubernetes Service would be): one gateway is killed with SIGKILL while the job
 * runs, the agent whose store connection went through it fails, a replacement agent (a restarted pod, same command
 * line) joins through the surviving gateway, the surviving agent restarts its failed workers, and all agents complete
 * a new rendezvous round whose workers form a gloo group through the gateways.
 */
@RequiresEtcd
@RequiresTorch
class TorchrunThroughGatewaysTest {

    private static final Duration STEP = Duration.ofSeconds(150);
    private static final Pattern RESULT = Pattern.compile(
            "RESULT rank=(\\d) world=(\\d+) restart=(\\d+) store=\\S+ sum=(\\S+) round=(\\S+)");
    private static final String RUN_ID = "gateway-job";

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    /** The gateways' etcd prefix (a namespace per test) and what the test started, stopped after it. */
    @RegisterExtension
    final TestScope test = new TestScope("torchrun-gateways");

    /** One worker's RESULT line. */
    private record Result(int rank, int world, int restart, String sum, String round) {
    }

    private ForkedGateway gateway() throws InterruptedException {
        return test.track(ForkedGateway.start(etcd.endpoints(), test.namespace() + "/"));
    }

    private PythonProcess agent(JobAddress job) {
        List<String> options = List.of("--nnodes=2", "--nproc-per-node=2", "--rdzv-backend=c10d",
                "--rdzv-endpoint=" + job.endpoint(), "--rdzv-id=" + RUN_ID,
                // Not the host of the store (the endpoint is on this machine), bounded waits for every step.
                "--rdzv-conf=is_host=false,join_timeout=120,read_timeout=30,close_timeout=10",
                "--max-restarts=2", "--monitor-interval=0.5");
        // A fresh worker address per round, which the workers use as their keys' prefix: see
        // TorchrunThroughJavaMasterTest.
        return test.track(PythonProcess.startTorchrun(PythonRuntime.TORCH_2_6,
                Map.of("TORCH_DISABLE_SHARE_RDZV_TCP_STORE", "1"), options, "torchrun_gloo_worker.py",
                "--store=" + job.endpoint(), "--hold=release"));
    }

    @Test
    void agentsReRendezvousThroughTheSurvivingGatewayAfterOneIsKilled() throws Exception {
        PythonRuntime.TORCH_2_6.require();
        ForkedGateway first = gateway();
        ForkedGateway second = gateway();
        JobAddress job = test.track(JobAddress.inFrontOf(List.of(first.port(), second.port())));

        // Agent A's store connection goes through the first gateway, agent B's through the second, and all of round
        // 0's workers through the first.
        job.pinTo(first.port());
        PythonProcess a = agent(job);
        await().atMost(STEP).until(() -> job.accepted() == 1);
        job.pinTo(second.port());
        PythonProcess b = agent(job);
        await().atMost(STEP).until(() -> job.accepted() == 2);
        job.pinTo(first.port());

        List<Result> round0 = results(a, b);
        String round0Id = round0.get(0).round();
        assertThat(round0).allMatch(r -> r.world() == 4 && r.sum().equals("10") && r.restart() == 0
                && r.round().equals(round0Id), "one round of 4 ranks summing 1+2+3+4");

        first.kill();
        // A's store connection is gone and torch clients do not reconnect: the agent fails.
        assertThat(a.waitFor(STEP)).as("agent A's exit code" + a.describe()).isNotZero();
        assertThat(a.describe()).contains("RendezvousConnectionError");
        PythonProcess replacement = agent(job);

        List<Result> round1 = results(b, replacement);
        String round1Id = round1.get(0).round();
        assertThat(round1Id).isNotEqualTo(round0Id);
        assertThat(round1).allMatch(r -> r.world() == 4 && r.sum().equals("10") && r.round().equals(round1Id),
                "a new round of 4 ranks summing 1+2+3+4");
        assertThat(round1.subList(0, 2)).as("B restarted its failed workers once").allMatch(r -> r.restart() == 1);
        assertThat(round1.subList(2, 4)).as("the replacement's first workers").allMatch(r -> r.restart() == 0);

        try (TcpStoreClient survivor = TcpStoreClient.connect("127.0.0.1", second.port(), TcpProtocol.MODERN,
                Duration.ofSeconds(30))) {
            survivor.set("release", "1".getBytes(StandardCharsets.UTF_8));
            b.assertSucceeds(STEP);
            replacement.assertSucceeds(STEP);

            // Round 0's keys, written through the killed gateway, and round 1's, all read through the survivor.
            assertThat(workerAddress(survivor, 0)).isEqualTo(round0Id);
            assertThat(workerAddress(survivor, 1)).isEqualTo(round1Id);
            for (int rank = 0; rank < 4; rank++) {
                assertThat(text(survivor, "results/" + round0Id + "/" + rank)).isEqualTo("10");
                assertThat(text(survivor, "results/" + round1Id + "/" + rank)).isEqualTo("10");
            }
        }
    }

    /** The workers' MASTER_ADDR:MASTER_PORT that round's rank-0 agent published under the round's store prefix. */
    private static String workerAddress(TcpStoreClient client, int round) {
        String roundPrefix = "torch.rendezvous." + RUN_ID + "." + round + "/";
        return text(client, roundPrefix + "MASTER_ADDR") + ":" + text(client, roundPrefix + "MASTER_PORT");
    }

    private static String text(TcpStoreClient client, String key) {
        return new String(client.get(key), StandardCharsets.UTF_8);
    }

    /** Each agent's two workers' next RESULT lines, the first agent's first. */
    private static List<Result> results(PythonProcess... agents) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        for (PythonProcess agent : agents) {
            for (int worker = 0; worker < 2; worker++) {
                Matcher line = RESULT.matcher(agent.awaitLine(text -> RESULT.matcher(text).find(), STEP));
                line.find();
                results.add(new Result(Integer.parseInt(line.group(1)), Integer.parseInt(line.group(2)),
                        Integer.parseInt(line.group(3)), line.group(4), line.group(5)));
            }
        }
        return results;
    }
}
