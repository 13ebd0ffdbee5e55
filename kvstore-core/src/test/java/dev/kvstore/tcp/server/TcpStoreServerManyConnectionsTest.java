package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.ProtocolGeneration.Command.ADD;
import static dev.kvstore.tcp.ProtocolGeneration.Command.GET;
import static dev.kvstore.tcp.ProtocolGeneration.Command.PING;
import static dev.kvstore.tcp.ProtocolGeneration.Command.SET;
import static dev.kvstore.tcp.ProtocolGeneration.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.ProtocolGeneration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Many connected ranks cost sockets, not threads: idle connections stay open (no idle timeout) while another client
 * is served, and the server runs one thread however many are connected.
 */
class TcpStoreServerManyConnectionsTest {

    private TcpStoreServer server;
    private final List<WireConnection> connections = new ArrayList<>();

    @BeforeEach
    void startServer() {
        server = TcpStoreServer.builder().port(0).build().start();
    }

    @AfterEach
    void stopServer() {
        connections.forEach(WireConnection::close);
        server.close();
    }

    @Test
    void thousandIdleConnectionsAndAWorkingClient() throws IOException {
        exercise(1000);
    }

    /** Needs a file-descriptor limit above ~2 × 4000 (client and server ends live in this JVM). */
    @Test
    @Tag("soak")
    void fourThousandConnectionsWaitingOnOneKey() throws IOException {
        exercise(4000);
    }

    private void exercise(int idle) throws IOException {
        int threadsBefore = serverThreads();
        for (int i = 0; i < idle; i++) {
            ProtocolGeneration generation = i % 2 == 0 ? ProtocolGeneration.LEGACY : ProtocolGeneration.MODERN;
            connections.add(WireConnection.open(server.port(), generation));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == idle);
        assertThat(serverThreads()).as("one event-loop thread, not one per connection").isEqualTo(threadsBefore);

        WireConnection worker = WireConnection.open(server.port(), ProtocolGeneration.MODERN);
        connections.add(worker);
        for (int i = 0; i < 100; i++) {
            worker.request(ADD).str("/counter").i64(1).send();
            assertThat(worker.readI64()).isEqualTo(i + 1);
        }
        assertThat(server.connectionCount()).isEqualTo(idle + 1);

        // Every idle connection is still usable: each waits for one key that the worker then sets.
        for (int i = 0; i < idle; i++) {
            connections.get(i).request(WAIT).keys("/go").send();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.waiterCount() == idle);
        worker.request(SET).str("/go").bytes("1".getBytes(StandardCharsets.UTF_8)).send();
        for (int i = 0; i < idle; i++) {
            WireConnection connection = connections.get(i);
            assertThat(connection.readU8()).as("STOP_WAITING on connection %d", i).isZero();
        }
        WireConnection first = connections.get(0);
        first.request(GET).str("/counter").send();
        assertThat(first.readString()).isEqualTo("100");
        connections.get(idle - 1).request(PING).u32(5).send();
        assertThat(connections.get(idle - 1).readU32()).isEqualTo(5);
    }

    private static int serverThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kvstore-tcpstore-server-"))
                .count();
    }
}
