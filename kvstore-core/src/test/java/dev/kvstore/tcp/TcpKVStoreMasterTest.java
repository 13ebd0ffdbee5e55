package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchPeer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link TcpKVStore} as the master: the embedded Java server, world-size waiting, cleanup and close. */
class TcpKVStoreMasterTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final List<AutoCloseable> resources = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeAll() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(resources);
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static TcpKVStore.Builder master(int port) {
        return TcpKVStore.builder().master(true).host("127.0.0.1").port(port).connectTimeout(LONG)
                .requestTimeout(LONG).workerWaitTimeout(LONG);
    }

    private static TcpKVStore.Builder worker(int port) {
        return TcpKVStore.builder().host("127.0.0.1").port(port).connectTimeout(LONG).requestTimeout(LONG)
                .workerWaitTimeout(LONG);
    }

    @RequiresTorch
    @Test
    void masterWaitsForJavaAndPythonWorkers() throws Exception {
        int port = FreePorts.pick();
        CompletableFuture<TcpKVStore> building =
                CompletableFuture.supplyAsync(() -> track(master(port).worldSize(3).namespace("job").build()));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !building.isDone());

        TcpKVStore javaWorker = track(worker(port).worldSize(3).namespace("job").build());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> !building.isDone());
        // A PyTorch 1.13 worker (no VALIDATE: the server's default LEGACY numbering) completes the world.
        TorchPeer torchWorker = track(TorchPeer.awaitReady(TorchPeer.start("worker", port, 3, true)));
        TcpKVStore masterStore = building.get(60, TimeUnit.SECONDS);
        assertThat(masterStore.port()).isEqualTo(port);

        torchWorker.set("job/tensorbus/from-python", "hi");
        assertThat(masterStore.get("from-python")).contains("hi");
        javaWorker.set("from-java", "hello");
        assertThat(torchWorker.getString("job/tensorbus/from-java")).isEqualTo("hello");
    }

    @Test
    void masterAppliesServerLimitsButKeepsItsOwnAddress() {
        TcpKVStore limited = track(master(0).server(server -> server.maxValueBytes(16).port(1)).build());
        assertThat(limited.port()).as("host and port stay the store builder's (0: any free port)").isPositive()
                .isNotEqualTo(1);

        limited.setBytes("fits", new byte[16]);
        assertThatThrownBy(() -> limited.setBytes("too-big", new byte[17]))
                .isInstanceOf(KVStoreConnectionException.class);
        assertThat(limited.exists("too-big")).as("a refused value is not stored").isFalse();
        assertThat(limited.getBytes("fits")).hasValueSatisfying(v -> assertThat(v).hasSize(16));
    }

    @Test
    void masterTimesOutWaitingForWorkersAndReleasesItsPort() {
        int port = FreePorts.pick();
        assertThatThrownBy(() -> master(port).worldSize(2).connectTimeout(Duration.ofMillis(500))
                .requestTimeout(Duration.ofMillis(500)).workerWaitTimeout(Duration.ofMillis(500)).build())
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageStartingWith("Timed out after 0.5 seconds waiting for clients. 1/2 clients joined; 1 connection(s): ");
        TcpKVStore again = track(master(port).build());
        again.set("k", "v");
        assertThat(again.get("k")).contains("v");
    }

    @Test
    void masterOnATakenPortFailsNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> master(taken.getLocalPort()).build())
                    .isInstanceOf(KVStoreConnectionException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void masterOnPortZeroReportsThePortItPicked() {
        TcpKVStore masterStore = track(master(0).build());
        assertThat(masterStore.port()).isPositive();
        assertThat(masterStore.isMaster()).isTrue();
        TcpKVStore workerStore = track(worker(masterStore.port()).build());
        workerStore.set("k", "v");
        assertThat(masterStore.get("k")).contains("v");
    }

    @Test
    void closeWithCleanupDeletesOnlyThisNamespaceWhereTheServerListsKeys() {
        TcpKVStore masterStore = track(master(0).namespace("other-job").build());
        TcpKVStore owner = track(worker(masterStore.port()).namespace("job").build());
        owner.set("a", "1");
        owner.withComponent("data").set("b", "2");
        masterStore.set("kept", "3");

        owner.close(true);

        TcpKVStore look = track(worker(masterStore.port()).namespace("job").build());
        assertThat(look.exists("a")).isFalse();
        assertThat(look.withComponent("data").exists("b")).isFalse();
        assertThat(masterStore.get("kept")).contains("3");
    }

    @Test
    void closingTheMasterClosesItsServerAfterItsConnections() {
        TcpKVStore masterStore = master(0).build();
        int port = masterStore.port();
        TcpKVStore workerStore = track(worker(port).connectTimeout(Duration.ofMillis(500))
                .requestTimeout(Duration.ofMillis(500)).workerWaitTimeout(Duration.ofMillis(500)).build());
        workerStore.set("k", "v");

        masterStore.close();

        assertThatThrownBy(() -> TcpStoreClient.connect("127.0.0.1", port, Duration.ofMillis(300)))
                .isInstanceOf(KVStoreTimeoutException.class);
        assertThatThrownBy(() -> workerStore.get("k")).isInstanceOfAny(KVStoreConnectionException.class,
                KVStoreTimeoutException.class);
    }
}
