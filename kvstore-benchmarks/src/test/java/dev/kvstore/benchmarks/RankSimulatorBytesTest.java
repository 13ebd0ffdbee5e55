package dev.kvstore.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulator sends byte for byte what a real torch worker rank of its generation sends: a real client and a
 * simulated rank each register and run the tutorial's barrier once through a recording proxy in front of a Java
 * master, and their connections' bytes are compared (the PING nonce is the real client's pid on both sides). The
 * newest torch skips, saying why, when Debian unstable cannot provide it.
 */
@RequiresTorch
class RankSimulatorBytesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @ParameterizedTest
    @EnumSource(RankGeneration.class)
    void aSimulatedRankSendsWhatARealRankSends(RankGeneration generation) throws Exception {
        generation.runtime().require();
        // A master each: both ranks count the same barrier key from zero.
        try (TcpStoreServer realMaster = master(); TcpStoreServer simulatedMaster = master();
                RecordingProxy real = new RecordingProxy(realMaster.port());
                RecordingProxy simulated = new RecordingProxy(simulatedMaster.port());
                PythonProcess client = PythonProcess.start(generation.runtime(), "torch_rank_bytes.py", "127.0.0.1",
                        real.port(), "real-0")) {
            int pid = Integer.parseInt(client.awaitLineStartingWith("PID ", TIMEOUT).trim());
            client.awaitLine("DONE"::equals, TIMEOUT);

            try (RankSimulator simulator = new RankSimulator(new InetSocketAddress("127.0.0.1", simulated.port()),
                    generation, 1, 0, RankSimulator.LOOPBACK_RANKS, pid)) {
                assertThat(simulator.init(TIMEOUT).registered()).isEqualTo(1);
                // The same key as the real rank's group "real-0": the simulator names round r "TAG-r".
                assertThat(simulator.barriers(1, 1, "real", TIMEOUT).released()).containsExactly(1);
                assertThat(simulator.failures()).isEmpty();

                List<String> expected = hex(real.sentByConnection());
                assertThat(expected).as("1.13 opens a second (callback) connection, 2.x one")
                        .hasSize(generation.callbackConnection() ? 2 : 1);
                assertThat(expected.get(0)).as("a real rank sent something").isNotEmpty();
                assertThat(hex(simulated.sentByConnection())).isEqualTo(expected);
            }
        }
    }

    private static TcpStoreServer master() {
        return TcpStoreServer.builder().host("127.0.0.1").port(0).legacyProtocol(TcpProtocol.LEGACY).build().start();
    }

    private static List<String> hex(List<byte[]> connections) {
        return connections.stream().map(HexFormat.of()::formatHex).toList();
    }
}
