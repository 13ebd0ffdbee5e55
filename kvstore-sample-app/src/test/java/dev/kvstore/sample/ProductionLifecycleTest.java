package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sample application as a process, the way Kubernetes runs it: probes while the store starts, readiness that
 * follows the store (a real PyTorch 1.13 peer, a real etcd), SIGTERM while connecting.
 */
@RequiresEtcd
class ProductionLifecycleTest {

    /** Starting a JVM and a torch process on the shared 2-core machine can be slow. */
    private static final Duration START = Duration.ofSeconds(120);

    private static final Pattern BOUND_PORT = Pattern.compile("local\\.kvstore\\.tcp\\.port=(\\d+)");

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RequiresTorch
    @Test
    void masterOnPortZeroServesProbesWhileWaitingForATorchWorkerThenTurnsReady() throws Exception {
        int httpPort = FreePorts.pick();
        try (AppProcess app = AppProcess.start("--server.port=" + httpPort, "--kvstore.tcp.port=0",
                "--kvstore.tcp.world-size=2")) {
            Matcher bound = BOUND_PORT.matcher(app.awaitLine((line) -> BOUND_PORT.matcher(line).find(), START));
            assertThat(bound.find()).isTrue();
            int storePort = Integer.parseInt(bound.group(1));
            Http http = new Http(httpPort);
            awaitStatus(app, http, "/actuator/health/liveness", 200, START);
            assertThat(status(http, "/actuator/health/readiness")).isEqualTo(503);
            assertThat(http.get("/actuator/health").body()).contains("waiting for 2 processes to register");
            try (PythonProcess worker = PythonProcess.start("torch_store_peer.py", "worker", storePort, 2)) {
                worker.awaitLine("REGISTERED"::equals, START);
                awaitStatus(app, http, "/actuator/health/readiness", 200, Duration.ofSeconds(60));
                assertThat(http.put("/kv/after-rendezvous", "ok").statusCode()).isEqualTo(204);
            }
            assertThat(app.output()).contains("Connecting KVStore to TCPStore 127.0.0.1:" + storePort + " (master)")
                .doesNotContain("127.0.0.1:0 ");
        }
    }

    @RequiresTorch
    @Test
    void workerWhoseTorchMasterDiesTurnsUnreadyFailsWritesInTimeAndRecovers() throws Exception {
        int storePort = FreePorts.pick();
        int httpPort = FreePorts.pick();
        PythonProcess master = startTorchMaster(storePort);
        try (AppProcess app = AppProcess.start("--server.port=" + httpPort, "--kvstore.rank=1",
                "--kvstore.tcp.port=" + storePort, "--kvstore.tcp.protocol=legacy", "--kvstore.tcp.request-timeout=5s",
                "--management.health.kvstore.timeout=2s")) {
            Http http = new Http(httpPort);
            awaitStatus(app, http, "/actuator/health/readiness", 200, START);
            assertThat(http.put("/kv/before", "1").statusCode()).isEqualTo(204);

            master.close();
            awaitStatus(app, http, "/actuator/health/readiness", 503, Duration.ofSeconds(20));
            assertThat(status(http, "/actuator/health/liveness")).isEqualTo(200);
            assertThat(http.get("/actuator/health/readiness").body())
                .contains("connection refused by 127.0.0.1:" + storePort);
            long start = System.nanoTime();
            int write = http.put("/kv/while-gone", "2").statusCode();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(write).isGreaterThanOrEqualTo(500);
            assertThat(took).as("a write with the master gone, request timeout 5 s").isLessThan(Duration.ofSeconds(15));
            app.awaitLine((line) -> line.contains("WARN") && line.contains("is unavailable"), Duration.ofSeconds(10));

            master = startTorchMaster(storePort);
            awaitStatus(app, http, "/actuator/health/readiness", 200, Duration.ofSeconds(60));
            app.awaitLine((line) -> line.contains("INFO") && line.contains("is available again"),
                    Duration.ofSeconds(10));
            assertThat(app.output().lines().filter((line) -> line.contains("is unavailable"))).as("WARN once")
                .hasSize(1);
            assertThat(http.put("/kv/after", "3").statusCode()).isEqualTo(204);
        } finally {
            master.close();
        }
    }

    @Test
    void readinessFollowsEtcdStoppedAndRestarted() throws Exception {
        EtcdServer server = etcd.server();
        int httpPort = FreePorts.pick();
        try (AppProcess app = AppProcess.start("--server.port=" + httpPort, "--kvstore.backend=etcd",
                "--kvstore.etcd.endpoints=" + etcd.endpoint(), "--kvstore.etcd.connect-timeout=60s",
                "--kvstore.etcd.request-timeout=2s",
                "--management.health.kvstore.timeout=2s")) {
            Http http = new Http(httpPort);
            awaitStatus(app, http, "/actuator/health/readiness", 200, START);
            server.stop();
            try {
                awaitStatus(app, http, "/actuator/health/readiness", 503, Duration.ofSeconds(20));
                assertThat(status(http, "/actuator/health/liveness")).isEqualTo(200);
            } finally {
                server.start(EtcdServer.START_TIMEOUT);
            }
            awaitStatus(app, http, "/actuator/health/readiness", 200, Duration.ofSeconds(60));
            app.awaitLine((line) -> line.contains("is available again"), Duration.ofSeconds(10));
        }
    }

    @Test
    void sigtermDuringABlockedConnectExitsWithinFiveSeconds() throws Exception {
        int httpPort = FreePorts.pick();
        int nobody = FreePorts.pick();
        try (AppProcess app = AppProcess.start("--server.port=" + httpPort, "--kvstore.rank=1",
                "--kvstore.tcp.port=" + nobody, "--kvstore.tcp.connect-timeout=10m")) {
            app.awaitLine((line) -> line.contains("Connecting KVStore to TCPStore 127.0.0.1:" + nobody), START);
            Http http = new Http(httpPort);
            awaitStatus(app, http, "/actuator/health/liveness", 200, START);
            assertThat(status(http, "/actuator/health/readiness")).isEqualTo(503);
            app.terminate();
            app.waitFor(Duration.ofSeconds(5));
        }
    }

    private static PythonProcess startTorchMaster(int port) throws InterruptedException {
        PythonProcess master = PythonProcess.start("torch_store_peer.py", "master", port);
        master.awaitLineStartingWith("READY", START);
        return master;
    }

    static int status(Http http, String path) {
        return http.get(path).statusCode();
    }

    /** Polls the path until it answers the status; fails at once, with the app's output, if the app exited. */
    private static void awaitStatus(AppProcess app, Http http, String path, int expected, Duration timeout) {
        try {
            await().atMost(timeout).ignoreExceptions().failFast("the application exited", () -> !app.isAlive())
                .until(() -> status(http, path) == expected);
        } catch (ConditionTimeoutException | TerminalFailureException ex) {
            throw new AssertionError(path + " did not answer " + expected + " within " + timeout
                    + (app.isAlive() ? "" : " (the application exited)") + ":\n" + app.output(), ex);
        }
    }

}
