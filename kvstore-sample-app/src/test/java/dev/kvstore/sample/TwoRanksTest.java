package dev.kvstore.sample;

import static dev.kvstore.sample.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.SnapshotQuery;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the app as ranks 0 and 1 of one job: rank 0 hosts the TCPStore master, rank 1 connects to it.
 * A real PyTorch process can join the same coordination through the master too.
 */
class TwoRanksTest {

    private int storePort;
    private ConfigurableApplicationContext rank0;
    private ConfigurableApplicationContext rank1;

    @BeforeEach
    void startTwoRanks() throws Exception {
        storePort = 0;
        rank0 = start(0);
        // rank 0's master bound a free port (kvstore.tcp.port=0); rank 1 connects to it.
        rank0.getBean(ManagedKVStore.class).awaitStarted();
        storePort = rank0.getEnvironment().getRequiredProperty("local.kvstore.tcp.port", Integer.class);
        rank1 = start(1);
    }

    @AfterEach
    void stopRanks() {
        if (rank1 != null) {
            rank1.close();
        }
        if (rank0 != null) {
            rank0.close();
        }
    }

    private ConfigurableApplicationContext start(int rank) {
        return new SpringApplicationBuilder(SampleApplication.class).run(
                "--server.port=0",
                "--kvstore.rank=" + rank,
                "--kvstore.tcp.port=" + storePort);
    }

    private static TcpStoreServer embeddedMaster(ConfigurableApplicationContext rank) {
        return ((TcpKVStore) rank.getBean(ManagedKVStore.class).delegate()).embeddedServer().orElseThrow();
    }

    private static Http http(ConfigurableApplicationContext context) {
        return new Http(((WebServerApplicationContext) context).getWebServer().getPort());
    }

    @Test
    void whatOneRankWritesTheOtherReads() {
        assertThat(http(rank0).put("/kv/handshake", "hello from rank 0").statusCode()).isEqualTo(204);
        HttpResponse<String> read = http(rank1).get("/kv/handshake");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("hello from rank 0");
    }

    @Test
    void barrierCompletesAcrossBothInstances() throws Exception {
        CompletableFuture<HttpResponse<String>> first =
                CompletableFuture.supplyAsync(() -> http(rank0).post("/barriers/start?parties=2&timeoutSeconds=30"));
        HttpResponse<String> second = http(rank1).post("/barriers/start?parties=2&timeoutSeconds=30");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aWaitParkedOnAWorkerAnswers503WhenTheMasterGoesAway() throws Exception {
        Http worker = http(rank1);
        CompletableFuture<HttpResponse<String>> parked = worker.sendAsync(
                worker.request("/barriers/orphaned?parties=2&timeoutSeconds=120").POST(
                        HttpRequest.BodyPublishers.noBody()), Duration.ofSeconds(150));
        // Parked is not yet waiting: until the master holds the barrier's WAIT, the worker may still be on its way
        // (GET, ADD); finding the master gone there, it reconnects for its request timeout and answers 504 instead.
        TcpStoreServer master = embeddedMaster(rank0);
        await().atMost(Duration.ofSeconds(60)).until(() -> master.snapshot(SnapshotQuery.defaults(),
                Duration.ofSeconds(10)).missing().stream().anyMatch(key -> key.name().contains("orphaned")));

        rank0.close();

        assertProblem(parked.get(60, TimeUnit.SECONDS), 503, "TCPStore");
    }

    @RequiresTorch
    @Test
    void aPyTorchProcessJoinsTheBarrierThroughTheJavaMaster() throws Exception {
        try (PythonProcess torchRank = PythonProcess.start("torch_barrier_peer.py",
                "127.0.0.1", storePort, "demo", "tensorbus", "mixed", 3)) {
            torchRank.awaitLineStartingWith("ARRIVED ", Duration.ofSeconds(60));
            CompletableFuture<HttpResponse<String>> javaRank0 =
                    CompletableFuture.supplyAsync(() -> http(rank0).post("/barriers/mixed?parties=3"));
            HttpResponse<String> javaRank1 = http(rank1).post("/barriers/mixed?parties=3");
            assertThat(javaRank1.statusCode()).isEqualTo(200);
            assertThat(javaRank0.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            torchRank.awaitLine("PASSED"::equals, Duration.ofSeconds(30));
            torchRank.assertSucceeds(Duration.ofSeconds(30));
        }
    }
}
