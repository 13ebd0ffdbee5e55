package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard while a job rendezvouses, as a PyTorch user meets it: the sample app started as a master with
 * {@code --kvstore.tcp.world-size=3} (waiting for its workers, so the store is not ready), real PyTorch 1.13 ranks
 * joining one by one, the page in a real headless Chromium. From the first refresh the page shows the master's
 * registrations and clients with what the start waits for, and no error; once every rank joined, the store is ready.
 */
@RequiresTorch
class DashboardRendezvousBrowserTest {

    private static final Duration START = Duration.ofSeconds(120);
    private static final Pattern BOUND_PORT = Pattern.compile("local\\.kvstore\\.tcp\\.port=(\\d+)");

    @TempDir
    Path userDataDir;

    private final List<PythonProcess> ranks = new ArrayList<>();

    @AfterEach
    void stopRanks() {
        ranks.forEach(PythonProcess::close);
    }

    private PythonProcess joinRank(int storePort) throws InterruptedException {
        PythonProcess rank = PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1", storePort, 3, "-");
        ranks.add(rank);
        rank.awaitLine("READY"::equals, START);
        return rank;
    }

    @Test
    void showsTheRegistrationsAndClientsWhileTheMasterWaitsForItsWorkers() throws Exception {
        int httpPort = FreePorts.pick();
        try (AppProcess app = AppProcess.start("--server.port=" + httpPort, "--kvstore.tcp.port=0",
                "--kvstore.tcp.world-size=3");
                HeadlessChromium browser = new HeadlessChromium(userDataDir)) {
            Matcher bound = BOUND_PORT.matcher(app.awaitLine((line) -> BOUND_PORT.matcher(line).find(), START));
            assertThat(bound.find()).isTrue();
            int storePort = Integer.parseInt(bound.group(1));
            app.awaitLine((line) -> line.contains("Tomcat started on port"), START);
            joinRank(storePort);

            browser.open(httpPort);
            // The master registered itself and one torch rank joined: 2 of 3.
            browser.until((page) -> String.valueOf(page.text("#world-text")).startsWith("2/3 processes registered"));
            assertThat(browser.text("#world-text")).contains("waiting for 1 more");
            assertThat(browser.shows("#error")).as("no error while the rendezvous waits").isFalse();
            assertThat(browser.text("#startup"))
                .isEqualTo("Starting: waiting for 3 processes to register (kvstore.tcp.world-size)");
            assertThat(browser.text("#store")).contains("127.0.0.1:" + storePort + " (master)");
            assertThat(browser.count("#clients tbody tr[data-client^='127.0.0.1:']"))
                .as("the master's own connection and the torch rank's").isGreaterThanOrEqualTo(2);
            assertThat(browser.text("#clients tbody")).contains("LEGACY");

            joinRank(storePort);
            browser.until((page) -> String.valueOf(page.text("#world-text")).startsWith("3/3 processes registered")
                    && !page.shows("#startup"));
            assertThat(browser.text("#world-text")).doesNotContain("waiting");
            assertThat(browser.shows("#error")).isFalse();
        }
    }
}
