package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real PyTorch 1.13 TCPStore clients in numbers (threads of two Python processes, one TCPStore each, LEGACY
 * protocol) against the Java server: mixed set/add/compare_set/wait/get in a ring across both processes, and per
 * round a WAIT that every client holds on the server until the Java side releases them all. Nothing is lost: the
 * counters equal the ADDs and every ADD got its own result, each round has exactly one claim winner, every wait
 * returns.
 */
@RequiresTorch
class TcpStoreServerTorchLoadTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofMinutes(3);
    private static final int COUNTERS = 4;

    private TcpStoreServer server;
    private TcpStoreClient java;
    private final List<PythonProcess> processes = new ArrayList<>();

    @BeforeEach
    void startServer() {
        server = TcpStoreServer.builder().port(0).build().start();
        java = TcpStoreClient.connect("127.0.0.1", server.port(), TcpProtocol.MODERN, Duration.ofSeconds(30));
    }

    @AfterEach
    void stopAll() {
        processes.forEach(PythonProcess::close);
        java.close();
        server.close();
    }

    @Test
    void fortyEightTorchClientsWithMixedOperationsAndWaits() throws Exception {
        run(2, 24, 5);
    }

    @Test
    @Tag("soak")
    void twoHundredTorchClients() throws Exception {
        run(4, 50, 20);
    }

    private void run(int processCount, int threads, int rounds) throws Exception {
        int clients = processCount * threads;
        for (int p = 0; p < processCount; p++) {
            processes.add(PythonProcess.start("torch_store_load.py", "127.0.0.1", server.port(), p, processCount,
                    threads, rounds));
        }
        for (int round = 0; round < rounds; round++) {
            List<String> ringKeys = new ArrayList<>();
            for (int id = 0; id < clients; id++) {
                ringKeys.add("py/r" + round + "/c" + id);
            }
            int currentRound = round;
            // Once every ring key of the round is set no ring wait can be pending: all waits are for 'go'.
            await().atMost(PYTHON_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        for (PythonProcess process : processes) {
                            if (!process.isAlive()) {
                                throw new AssertionError("a torch process ended early with exit code "
                                        + process.waitFor(Duration.ofSeconds(5)) + process.describe());
                            }
                        }
                        return java.check(ringKeys) && server.waiterCount() == clients;
                    });
            java.set("py/go/" + round, "1".getBytes(StandardCharsets.UTF_8));
        }

        Map<Integer, Set<Long>> addResults = new HashMap<>();
        Map<Integer, List<Integer>> winners = new HashMap<>();
        for (PythonProcess process : processes) {
            while (true) {
                String line = process.awaitLine(l -> l.startsWith("ADD ") || l.startsWith("WIN ")
                        || l.startsWith("ERROR ") || l.equals("DONE"), PYTHON_TIMEOUT);
                if (line.equals("DONE")) {
                    break;
                }
                assertThat(line).as(process.describe()).doesNotStartWith("ERROR");
                String[] parts = line.split(" ");
                if (parts[0].equals("ADD")) {
                    addResults.computeIfAbsent(Integer.parseInt(parts[1]), c -> new HashSet<>())
                            .add(Long.parseLong(parts[2]));
                } else {
                    winners.computeIfAbsent(Integer.parseInt(parts[1]), r -> new ArrayList<>())
                            .add(Integer.parseInt(parts[2]));
                }
            }
            process.assertSucceeds(PYTHON_TIMEOUT);
        }

        long addsPerCounter = (long) rounds * clients / COUNTERS;
        for (int c = 0; c < COUNTERS; c++) {
            assertThat(new String(java.get("py/counter/" + c), StandardCharsets.UTF_8))
                    .isEqualTo(Long.toString(addsPerCounter));
            assertThat(addResults.get(c)).as("distinct results of the ADDs on counter %d", c)
                    .hasSize((int) addsPerCounter).allMatch(r -> r >= 1 && r <= addsPerCounter);
        }
        for (int round = 0; round < rounds; round++) {
            assertThat(winners.get(round)).as("winners of round %d", round).hasSize(1);
            assertThat(new String(java.get("py/claim/" + round), StandardCharsets.UTF_8))
                    .isEqualTo(Integer.toString(winners.get(round).get(0)));
        }
        assertThat(server.waiterCount()).isZero();
    }
}
