package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.PythonProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What the torch tests of the Java master ({@link TcpStoreServerTorchTest}) and of the etcd gateways
 * ({@link TcpStoreGatewayTorchTest}) check alike: the differential sessions' reply bytes, and a gloo job's ranks.
 */
final class TorchRanks {

    private TorchRanks() {
    }

    /**
     * Asserts that {@code server_differential_session.py} got the same replies from the server under test as from a
     * real torch master of its version, and that the session covered what it should.
     *
     * @param replies how many replies the session records
     * @param someReplies replies that must be among them (the error cases and torch-specific answers)
     */
    static void assertSessionMatchesTorch(PythonProcess session, Duration timeout, int replies,
            String... someReplies) throws InterruptedException {
        List<String> torch = List.of(session.awaitLineStartingWith("TORCH=", timeout).split("\\|"));
        List<String> server = List.of(session.awaitLineStartingWith("SERVER=", timeout).split("\\|"));
        session.assertSucceeds(timeout);
        assertThat(torch).hasSize(replies).contains(someReplies);
        assertThat(server).containsExactlyElementsOf(torch);
    }

    /**
     * Asserts that the ranks of {@code torch_client_gloo_rank.py} (rank i in list position i) greeted each other,
     * all-reduced rank + 1 to 1 + ... + N, and exited 0.
     */
    static void assertGlooJobCompletes(List<PythonProcess> ranks, Duration timeout) throws InterruptedException {
        int worldSize = ranks.size();
        String greetings = IntStream.range(0, worldSize).mapToObj(rank -> "hello from " + rank)
                .collect(Collectors.joining(","));
        for (PythonProcess rank : ranks) {
            assertThat(rank.awaitLineStartingWith("PEERS=", timeout)).isEqualTo(greetings);
        }
        for (PythonProcess rank : ranks) {
            assertThat(rank.awaitLineStartingWith("ALLREDUCE=", timeout))
                    .isEqualTo(String.valueOf(worldSize * (worldSize + 1) / 2));
        }
        for (PythonProcess rank : ranks) {
            rank.assertSucceeds(timeout);
        }
    }

    /**
     * Asserts the keys a finished gloo job left, read over the wire: torch's world-size registration (every
     * {@code TCPStore(world_size=N)} adds 1 to the literal key "init/") and the job's own "/joined" counter.
     */
    static void assertJobRegistered(WireConnection reader, int worldSize) throws IOException {
        reader.request(GET).str("init/").send();
        assertThat(reader.readString()).isEqualTo(String.valueOf(worldSize));
        reader.request(GET).str("/joined").send();
        assertThat(reader.readString()).isEqualTo(String.valueOf(worldSize));
    }
}
