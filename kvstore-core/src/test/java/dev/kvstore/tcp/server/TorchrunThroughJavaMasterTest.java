package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * torchrun (PyTorch 2.6) with its c10d rendezvous backend on the Java master: two agents of two workers each form a
 * 4-rank gloo job, and survive an elastic restart round after a worker fails.
 *
 * <p>The chroot's torch lacks libuv; torchrun's c10d backend constructs its TCPStore without {@code use_libuv}, so
 * {@link PythonRuntime#TORCH_2_6} puts a test-only {@code sitecustomize} on PYTHONPATH that defaults it to False.
 */
@RequiresTorch
class TorchrunThroughJavaMasterTest {

    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(240);
    private static final Pattern RESULT = Pattern.compile(
            "RESULT rank=(\\d) world=(\\d+) restart=(\\d+) store=(\\S+) sum=(\\S+)");

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();
    private final List<PythonProcess> agents = new ArrayList<>();

    @BeforeEach
    void requireTorch26() {
        PythonRuntime.TORCH_2_6.require();
    }

    @Test
    void twoAgentsFormAFourRankGlooJobThroughTheJavaMaster() throws Exception {
        List<String> results = runJob("plain", List.of(), Map.of());

        assertThat(results).hasSize(4)
                .allMatch(line -> line.contains(" world=4 restart=0 ") && line.endsWith(" sum=10"));
        assertThat(results).extracting(line -> line.substring(0, "rank=R".length()))
                .containsExactlyInAnyOrder("rank=0", "rank=1", "rank=2", "rank=3");
    }

    /**
     * Rank 3 exits with code 3 in the first attempt; its agent restarts its workers, the other agent sees a node waiting
     * and joins the next round, and the job completes. The workers' process group uses the Java master too (a prefix
     * per round). torch 2.6's default worker store (shared by the rank-0 agent) outlives the failed attempt without a
     * per-attempt prefix, so the next round's workers can read dead workers' gloo addresses and fail to connect,
     * whatever the rendezvous store (reproduced against torch's own master): this test turns that sharing off with
     * {@code TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1} (see docs/tcp-server.md).
     */
    @Test
    void aWorkerFailingOnceIsRestartedAndTheJobCompletes() throws Exception {
        List<String> results = runJob("restart", List.of("--max-restarts=1"),
                Map.of("TORCH_DISABLE_SHARE_RDZV_TCP_STORE", "1"),
                "--fail-once-rank=3", "--store=127.0.0.1:" + server.port());

        assertThat(results).hasSize(4)
                .allMatch(line -> line.contains("world=4") && line.endsWith("store=127.0.0.1:" + server.port()
                        + " sum=10"), "every rank used the Java master and summed 1+2+3+4")
                .anyMatch(line -> line.startsWith("rank=3 ") && line.contains("restart=1"));
        assertThat(agents).anyMatch(agent -> agent.describe().contains("FAILING rank=3"));
        assertThat(server.keyCount()).isPositive();
    }

    /** Starts both agents, waits for both to exit 0, and returns the four workers' RESULT lines, normalised. */
    private List<String> runJob(String id, List<String> extraOptions, Map<String, String> environment,
            Object... workerArgs) throws InterruptedException {
        List<String> options = new ArrayList<>(List.of("--nnodes=2", "--nproc-per-node=2", "--rdzv-backend=c10d",
                "--rdzv-endpoint=127.0.0.1:" + server.port(), "--rdzv-id=" + id,
                // The endpoint is this machine's, so an agent would first try to host the store itself.
                "--rdzv-conf=is_host=false", "--monitor-interval=0.5"));
        options.addAll(extraOptions);
        for (int node = 0; node < 2; node++) {
            agents.add(running.track(PythonProcess.startTorchrun(PythonRuntime.TORCH_2_6, environment, options,
                    "torchrun_gloo_worker.py", workerArgs)));
        }
        List<String> results = new ArrayList<>();
        for (PythonProcess agent : agents) {
            // Each agent's two workers print one line each once the job has completed.
            for (int worker = 0; worker < 2; worker++) {
                Matcher result = RESULT.matcher(agent.awaitLine(line -> RESULT.matcher(line).find(), JOB_TIMEOUT));
                result.find();
                results.add("rank=" + result.group(1) + " world=" + result.group(2) + " restart="
                        + result.group(3) + " store=" + result.group(4) + " sum=" + result.group(5));
            }
        }
        for (PythonProcess agent : agents) {
            agent.assertSucceeds(JOB_TIMEOUT);
        }
        return results;
    }
}
