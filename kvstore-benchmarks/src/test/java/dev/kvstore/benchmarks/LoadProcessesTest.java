package dev.kvstore.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The load generators run as child processes and report JSON the harness reads (tiny loads, real sockets). */
class LoadProcessesTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @Test
    void javaLoadJvmRunsBarrierRoundsAgainstARealMaster() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0)
                .legacyProtocol(TcpProtocol.LEGACY).build().start()) {
            Json result = Peers.javaLoad(CpuLayout.shared(), TIMEOUT, "barrier", server.port(), 4, 2, "t", 1);

            double[] rounds = result.numbers("seconds");
            assertThat(rounds).hasSize(2);
            assertThat(rounds[0]).isPositive();
            assertThat(rounds[1]).isPositive();
            // 1 warm-up + 2 reported rounds, each leaving a counter and a done key.
            assertThat(server.keyCount()).isEqualTo(6);
        }
    }

    @RequiresTorch
    @Test
    void torch26LoadRunsBarrierRoundsAgainstTheJavaMaster() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0).build().start()) {
            Json result = Peers.pythonLoad(CpuLayout.shared(), PythonRuntime.TORCH_2_6, TIMEOUT, "barrier",
                    "127.0.0.1", server.port(), 4, 2, "t", 1);

            double[] rounds = result.numbers("seconds");
            assertThat(rounds).hasSize(2);
            assertThat(rounds[0]).isPositive();
            assertThat(rounds[1]).isPositive();
            assertThat(server.keyCount()).isEqualTo(6);
        }
    }

    @Test
    void latencyRunsTheWarmUpThenTimesEachOperation() {
        int[] operations = {0};
        int[] settles = {0};
        Stats stats = Stats.warmedUpTime(30, 20, 0, () -> operations[0]++, () -> settles[0]++);

        assertThat(operations[0]).isEqualTo(20 + 30);
        assertThat(settles[0]).as("after the warm-up and after the timed run").isEqualTo(2);
        assertThat(stats.opsPerSecond()).isPositive();
    }

    @Test
    void javaLatencyAgainstARealMaster() {
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0).build().start()) {
            Stats stats = JavaTcpLoad.latency(server.port(), "set", 200, 0);

            assertThat(stats.p50Micros()).isPositive();
            assertThat(stats.p99Micros()).isGreaterThanOrEqualTo(stats.p50Micros());
            assertThat(server.keyCount()).as("the set load cycles over 64 keys; every SET arrived").isEqualTo(64);
        }
    }

    @Test
    void aJavaLoadThatFailsSaysSo() {
        assertThatThrownBy(() -> Peers.javaLoad(CpuLayout.shared(), TIMEOUT, "no-such-mode", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ended without a result");
    }

    @Test
    void readsTheOutSegsColumnOfTheTcpLines() {
        assertThat(TcpCounters.outSegs(List.of(
                "Ip: Forwarding DefaultTTL",
                "Ip: 1 64",
                "Tcp: RtoAlgorithm RtoMin ActiveOpens InSegs OutSegs RetransSegs",
                "Tcp: 1 200 17 1095275 1095265 3"))).isEqualTo(1095265);
        assertThat(TcpCounters.sent()).isPositive(); // the real /proc/net/snmp of this host
    }

    @Test
    void readsTheKernelsCpuListFormat() {
        assertThat(CpuLayout.parseCpuList("0-3,8,10-11")).containsExactly(0, 1, 2, 3, 8, 10, 11);
        assertThat(CpuLayout.parseCpuList("0")).containsExactly(0);
    }
}
