package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The dashboard at {@code /} in a real headless Chromium: a real PyTorch 1.13 client blocks in {@code get()} on a key,
 * the page shows the key as missing with one waiter; another torch client sets it, the page shows the wait ended as
 * resolved, also to a tab opened afterwards (the master keeps the list). Saves the screenshot the README shows, taken
 * after the page's first refresh.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "kvstore.tcp.world-size=3", "kvstore.tcp.wait-for-workers=false" })
@RequiresTorch
class DashboardBrowserTest extends AppOverHttp {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);
    /** Where the README's screenshot lives, from this module's directory (surefire's working directory). */
    private static final Path SCREENSHOT = Path.of("..", "docs", "images", "dashboard.png");

    @Autowired
    KVStore store;

    @Autowired
    ManagedKVStore managed;

    @TempDir
    Path userDataDir;

    private HeadlessChromium browser;
    private final List<PythonProcess> peers = new ArrayList<>();

    @BeforeEach
    void startBrowser() {
        browser = new HeadlessChromium(userDataDir);
    }

    @AfterEach
    void stopAll() {
        peers.forEach(PythonProcess::close);
        if (browser != null) {
            browser.close();
        }
    }

    private PythonProcess torch(Object... keyAndValue) throws InterruptedException {
        int masterPort = ((TcpKVStore) managed.delegate()).port();
        List<Object> args = new ArrayList<>(List.of("127.0.0.1", masterPort, 3));
        args.addAll(List.of(keyAndValue));
        PythonProcess peer = PythonProcess.start("torch_client_registered_peer.py", args.toArray());
        peers.add(peer);
        peer.awaitLine("READY"::equals, PYTHON_TIMEOUT);
        return peer;
    }

    @Test
    void showsTheKeyATorchClientWaitsForAsMissingUntilItIsSet() throws Exception {
        store.set("model/version", "v42");
        PythonProcess waiting = torch("late");
        waiting.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        browser.open(port);

        browser.until(page -> "1".equals(page.text("tr[data-missing-key='/late'] td.waiters")));
        assertThat(browser.text("#world-text")).startsWith("2/3 processes registered");
        assertThat(browser.attribute("tr[data-missing-key='/late']", "class")).contains("longest");
        assertThat(browser.text("#clients tbody")).contains("/late");
        assertThat(browser.text("#keys tbody")).contains("/demo/tensorbus/model/version").doesNotContain("v42");
        assertThat(browser.shows("#error")).isFalse();
        assertThat(browser.shows("#startup")).as("the store is ready").isFalse();
        browser.screenshot(SCREENSHOT);

        PythonProcess setter = torch("late", "ready");
        setter.awaitLine("SET"::equals, PYTHON_TIMEOUT);
        assertThat(waiting.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("ready");
        browser.until(page -> page.count("tr[data-missing-key='/late']") == 0
                && page.count("li[data-ended-key='/late'][data-outcome='resolved']") == 1);
        assertThat(browser.shows("#missing-none")).isTrue();
        assertThat(browser.text("#world-text")).startsWith("3/3 processes registered");

        // The list is the master's: a tab opened now shows the same, how the wait ended included.
        browser.open(port);
        assertThat(browser.text("li[data-ended-key='/late']")).startsWith("/late \u2014 resolved after");
    }
}
