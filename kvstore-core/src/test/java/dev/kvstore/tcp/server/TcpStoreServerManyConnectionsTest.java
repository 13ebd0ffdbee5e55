package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many connected ranks cost sockets, not threads: idle connections stay open (no idle timeout) while another client
 * is served, and the server runs one thread however many are connected.
 */
class TcpStoreServerManyConnectionsTest {

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();

    @Test
    void thousandIdleConnectionsAndAWorkingClient() throws IOException {
        exercise(1000);
    }

    @Test
    @Tag("soak")
    void fourThousandConnectionsWaitingOnOneKey() throws IOException {
        exercise(4000);
    }

    private void exercise(int idle) throws IOException {
        // Both ends of every connection live in this JVM.
        long needed = 2L * idle + 256;
        assumeTrue(maxFileDescriptors() >= needed, "needs " + needed + " file descriptors, the limit is "
                + maxFileDescriptors() + " (ulimit -n)");
        int threadsBefore = serverThreads();
        List<WireConnection> connections = new ArrayList<>();
        for (int i = 0; i < idle; i++) {
            // Odd connections are MODERN (the last one answers PING below).
            TcpProtocol generation = i % 2 == 0 ? TcpProtocol.LEGACY : TcpProtocol.MODERN;
            connections.add(running.connect(generation));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == idle);
        assertThat(serverThreads()).as("one event-loop thread, not one per connection").isEqualTo(threadsBefore);

        WireConnection worker = running.connect(TcpProtocol.MODERN);
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

    private static long maxFileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }

    private static int serverThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("kvstore-tcpstore-server-"))
                .count();
    }
}
