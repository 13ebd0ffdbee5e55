package dev.kvstore.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.server.TcpStoreServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scale suite's smoke run in the default build: a few hundred simulated ranks against the Java master in its own
 * JVM complete init and ten barriers, also when spread over several simulator processes, and what the suite reports
 * is there. No timing is asserted; the suite itself runs in the benchmark harness.
 */
class ScaleSmokeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int RANKS = 300;

    private static final Function<String, List<String>> NO_OPTIONS = process -> List.of();

    @ParameterizedTest
    @EnumSource(value = RankGeneration.class, names = {"TORCH_1_13", "TORCH_NEWEST"})
    void simulatedRanksRendezvousAndRunTenBarriersOnTheJavaMaster(RankGeneration generation) throws Exception {
        ScaleSuite.Cell cell = ScaleSuite.measure(ScaleTarget.javaMaster(generation), RANKS, TIMEOUT, NO_OPTIONS);

        assertThat(cell.outcome()).isEqualTo("completed");
        assertThat(cell.initSeconds()).isPositive();
        assertThat(cell.barrierSeconds()).hasSize(ScaleSuite.ROUNDS);
        assertThat(Arrays.stream(cell.barrierSeconds()).allMatch(s -> s > 0)).as("every barrier released all").isTrue();
        assertThat(cell.heapPerConnection()).as("the Java master's heap grew with the connections").isPositive();
        assertThat(cell.connectRetries()).isZero();
    }

    @Test
    void ranksOfSeveralSimulatorProcessesMeetInOneBarrier() throws Exception {
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0).build().start();
                SimulatedRanks ranks = new SimulatedRanks(List.of(server.port(), server.port()),
                        RankGeneration.TORCH_2_6, 200)) {
            assertThat(ranks.processCount()).isEqualTo(2);
            assertThat(ranks.init(TIMEOUT).registered()).isEqualTo(200);
            SimulatedRanks.Barriers barriers = ranks.barriers(3, "two-processes", TIMEOUT);

            assertThat(barriers.released()).containsExactly(200, 200, 200);
            assertThat(Arrays.stream(barriers.seconds()).allMatch(s -> s > 0)).isTrue();
            assertThat(ranks.failures()).isEmpty();
            assertThat(server.connectionCount()).isEqualTo(200);
        }
    }

    @Test
    void simulatedRanksRendezvousAndRunTenBarriersThroughTwoGatewaysOnOneEtcd() throws Exception {
        ScaleSuite.Cell cell = ScaleSuite.measure(ScaleTarget.gateways(1, 32), 64, TIMEOUT, NO_OPTIONS);

        assertThat(cell.outcome()).isEqualTo("completed");
        assertThat(cell.gateways()).isEqualTo(2);
        assertThat(cell.simulatorProcesses()).as("one simulator process per gateway").isEqualTo(2);
        assertThat(Arrays.stream(cell.barrierSeconds()).allMatch(s -> s > 0)).as("every barrier released all").isTrue();
        assertThat(cell.etcd()).isNotNull();
        assertThat(cell.etcd().init().proposals()).as("the ranks' registrations were written to etcd").isPositive();
        assertThat(cell.etcd().barriers().proposals()).as("the barriers' ADDs and SETs were written to etcd")
                .isPositive();
    }

    @Test
    void sizesBeyondOneProcesssOpenFilesRunOnlyThroughGatewaysOfAbout16KRanksEach() throws Exception {
        ScaleTarget gateways = ScaleTarget.gateways(1, ScaleTarget.RANKS_PER_GATEWAY);
        assertThat(List.of(16_384, 32_768, 65_536, 98_304).stream().map(gateways::gatewaysFor))
                .containsExactly(1, 2, 4, 6);

        ScaleSuite.Cell cell = ScaleSuite.measure(ScaleTarget.javaMaster(RankGeneration.TORCH_NEWEST), 98_304,
                TIMEOUT, NO_OPTIONS);

        assertThat(cell.outcome()).isEqualTo("not run: 1 connections per newest rank exceed one process's 20000 "
                + "open files");
        assertThat(cell.gateways()).isZero();
    }

    @Test
    void theAnswerOnlyYardstickServesTheSameRanks() throws Exception {
        ScaleSuite.Cell cell = ScaleSuite.measure(ScaleTarget.answerOnly(RankGeneration.TORCH_1_13), RANKS, TIMEOUT,
                NO_OPTIONS);

        assertThat(cell.outcome()).isEqualTo("completed");
        assertThat(Arrays.stream(cell.barrierSeconds()).allMatch(s -> s > 0)).isTrue();
    }

    @Test
    void withARecordingDirectoryTheJavaMasterWritesAProfileOfItsRow(@TempDir Path dir) throws Exception {
        ScaleTarget master = ScaleTarget.javaMaster(RankGeneration.TORCH_NEWEST);

        ScaleSuite.Cell cell = ScaleSuite.measure(master, RANKS, TIMEOUT, ScaleSuite.recording(dir, master, RANKS));

        assertThat(cell.outcome()).isEqualTo("completed");
        Path recording = dir.resolve("scale-300-java-master-newest-master.jfr");
        assertThat(recording).as("written when the master was stopped").isNotEmptyFile();
        boolean sampled = false;
        try (RecordingFile events = new RecordingFile(recording)) {
            while (events.hasMoreEvents() && !sampled) {
                sampled = events.readEvent().getEventType().getName().equals("jdk.ExecutionSample");
            }
        }
        assertThat(sampled).as("the profile settings sample execution").isTrue();
    }

    @Test
    void aMasterThatDoesNotFinishItsWaitIsAResultSayingHow() throws Exception {
        ScaleTarget expectsMore = new ScaleTarget() {
            @Override
            public String name() {
                return "Java master waiting for more";
            }

            @Override
            public RankGeneration ranks() {
                return RankGeneration.TORCH_NEWEST;
            }

            @Override
            public Started start(int worldSize, Duration timeout, Function<String, List<String>> jvmOptions) {
                return ScaleTarget.javaMaster(ranks()).start(worldSize + 5, Duration.ofSeconds(3), jvmOptions);
            }
        };

        ScaleSuite.Cell cell = ScaleSuite.measure(expectsMore, 50, Duration.ofSeconds(5), NO_OPTIONS);

        assertThat(cell.completed()).isFalse();
        assertThat(cell.outcome()).startsWith("init failed: it failed: ")
                .contains("50 of 50 ranks registered");
    }

    @Test
    void sizesBeyondOneProcesssOpenFilesAreNotRunAndSaySo() throws Exception {
        ScaleSuite.Cell cell = ScaleSuite.measure(ScaleTarget.javaMaster(RankGeneration.TORCH_1_13), 16_384, TIMEOUT,
                NO_OPTIONS);

        assertThat(cell.outcome()).isEqualTo("not run: 2 connections per 1.13 rank exceed one process's 20000 open "
                + "files");
    }

    @Test
    void ranksBeyondOneMastersShareSpreadOverSourceAddressesInTheLoopbackNetwork() {
        int loopback = RankSimulator.LOOPBACK_RANKS;
        assertThat(RankSimulator.sourceAddress(0, loopback)).as("unbound: 127.0.0.1 by the route").isNull();
        assertThat(RankSimulator.sourceAddress(loopback - 1, loopback)).isNull();
        assertThat(RankSimulator.sourceAddress(loopback, loopback).getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(RankSimulator.sourceAddress(loopback + 999, loopback).getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(RankSimulator.sourceAddress(loopback + 1000, loopback).getHostAddress()).isEqualTo("127.1.0.2");
        assertThat(RankSimulator.sourceAddress(98_304, loopback).getHostAddress()).isEqualTo("127.1.0.79");
    }

    @Test
    void everyRankOfGatewaysBindsAnAddressOfItsOwnBlock() {
        assertThat(RankSimulator.sourceAddress(0, 0).getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(RankSimulator.sourceAddress(98_303, 0).getHostAddress()).isEqualTo("127.1.0.99");
    }
}
