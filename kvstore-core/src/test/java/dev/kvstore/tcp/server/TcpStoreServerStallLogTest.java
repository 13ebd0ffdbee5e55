package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.kvstore.CapturedLog;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stall log: a real PyTorch 1.13 client and a Java wire client wait for a key nobody sets; the master names the
 * key and both clients, one line per key, once per interval, and stops once the key is set.
 */
class TcpStoreServerStallLogTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    final CapturedLog serverLog = new CapturedLog(TcpStoreServer.class, Level.INFO);
    @RegisterExtension
    final RunningServer running = new RunningServer(settings -> settings.stallLogInterval(Duration.ofMillis(300))
            .stallThreshold(Duration.ofMillis(500)));
    private final TcpStoreServer server = running.server();

    private List<String> stallLines() {
        return serverLog.messages().stream().filter(line -> line.contains("is missing;")).toList();
    }

    @RequiresTorch
    @Test
    void namesTheStalledKeyAndItsWaitingClientsUntilItIsSet() throws Exception {
        PythonProcess torch = running.track(PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1",
                server.port(), 2, "stuck"));
        WireConnection java = running.connect(TcpProtocol.MODERN);
        WireConnection setter = running.connect(TcpProtocol.MODERN);
        torch.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        java.request(WAIT).keys("/stuck").send();
        await().atMost(PYTHON_TIMEOUT).until(() -> server.waiterCount() == 2);

        await().atMost(Duration.ofSeconds(30)).until(() -> stallLines().stream()
                .anyMatch(line -> line.contains("'/stuck'") && line.contains("2 client(s)")));
        String line = stallLines().stream().filter(l -> l.contains("2 client(s)")).findFirst().orElseThrow();
        assertThat(line).containsPattern("127\\.0\\.0\\.1:\\d+, 127\\.0\\.0\\.1:\\d+$");
        assertThat(stallLines()).allSatisfy(l -> assertThat(l).contains("'/stuck'"));

        setter.request(SET).str("/stuck").bytes("now".getBytes(StandardCharsets.UTF_8)).send();
        assertThat(torch.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("now");
        await().until(() -> server.waiterCount() == 0);
        int linesWhenSet = stallLines().size();
        // Three intervals on: nothing is stalled any more, so nothing more is logged (one report may have been
        // under way when the key was set).
        await().during(Duration.ofMillis(900)).atMost(Duration.ofSeconds(5))
                .until(() -> stallLines().size() <= linesWhenSet + 1);
    }

    @Test
    void reportsAtMostTenKeysAndCountsTheRest() throws Exception {
        WireConnection java = running.connect(TcpProtocol.MODERN);
        String[] keys = new String[StallLog.MAX_KEYS_PER_REPORT + 2];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "/rank/" + i;
        }
        java.request(WAIT).keys(keys).send();
        await().atMost(Duration.ofSeconds(30)).until(() -> summaryLines().size() >= 1);
        assertThat(summaryLines().get(0)).contains("2 more key(s) have been waited for longer than");
        assertThat(stallLines()).hasSizeGreaterThanOrEqualTo(StallLog.MAX_KEYS_PER_REPORT)
                .allSatisfy(line -> assertThat(line).contains("1 client(s)"));
        // Per report: at most ten key lines, then its summary line.
        int keyLinesInReport = 0;
        for (String line : serverLog.messages()) {
            if (line.contains("is missing;")) {
                keyLinesInReport++;
                assertThat(keyLinesInReport).isLessThanOrEqualTo(StallLog.MAX_KEYS_PER_REPORT);
            } else if (line.contains("more key(s) have been waited for")) {
                assertThat(keyLinesInReport).isEqualTo(StallLog.MAX_KEYS_PER_REPORT);
                keyLinesInReport = 0;
            }
        }
    }

    private List<String> summaryLines() {
        return serverLog.messages().stream().filter(line -> line.contains("more key(s) have been waited for"))
                .toList();
    }

    @Test
    void refusesNonPositiveSettings() {
        assertThatThrownBy(() -> TcpStoreServer.builder().stallLogInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stallLogInterval");
        assertThatThrownBy(() -> TcpStoreServer.builder().stallThreshold(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stallThreshold");
    }
}
