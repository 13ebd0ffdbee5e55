package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The dashboard at {@code /} in a real headless Chromium (Debian's chromium and chromedriver; {@code .ci/run}
 * installs them): a real PyTorch 1.13 client blocks in {@code get()} on a key, the page shows the key as missing with
 * one waiter; another torch client sets it, the page shows it resolved. Saves the screenshot the README shows.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "kvstore.tcp.world-size=3", "kvstore.tcp.wait-for-workers=false" })
@RequiresTorch
class DashboardBrowserTest extends AppOverHttp {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
    /** Where the README's screenshot lives, from this module's directory (surefire's working directory). */
    private static final Path SCREENSHOT = Path.of("..", "docs", "images", "dashboard.png");

    @Autowired
    KVStore store;

    @Autowired
    ManagedKVStore managed;

    @TempDir
    Path userDataDir;

    private ChromeDriverService service;
    private WebDriver browser;
    private final List<PythonProcess> peers = new ArrayList<>();

    @BeforeEach
    void startBrowser() {
        assertThat(new File(CHROMIUM)).as("Debian's chromium (.ci/run installs it)").canRead();
        assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver (.ci/run installs it)").canRead();
        // The driver's path is explicit, so Selenium Manager never looks for (or downloads) one.
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
            .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + userDataDir,
                "--window-size=1280,1100");
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopAll() {
        peers.forEach(PythonProcess::close);
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
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

    private String textOf(String css) {
        List<org.openqa.selenium.WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.get(0).getText();
    }

    @Test
    void showsTheKeyATorchClientWaitsForAsMissingUntilItIsSet() throws Exception {
        store.set("model/version", "v42");
        PythonProcess waiting = torch("late");
        waiting.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        browser.get("http://127.0.0.1:" + port + "/");
        WebDriverWait page = new WebDriverWait(browser, PAGE_TIMEOUT);

        page.until(driver -> "1".equals(textOf("tr[data-missing-key='/late'] td.waiters")));
        assertThat(textOf("#world-text")).startsWith("2 of 3 processes registered");
        assertThat(browser.findElement(By.cssSelector("tr[data-missing-key='/late']")).getAttribute("class"))
            .contains("longest");
        assertThat(textOf("#clients tbody")).contains("/late");
        assertThat(textOf("#keys tbody")).contains("/demo/tensorbus/model/version").doesNotContain("v42");
        assertThat(textOf("#error")).isEmpty();
        Files.createDirectories(SCREENSHOT.getParent());
        Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                StandardCopyOption.REPLACE_EXISTING);

        PythonProcess setter = torch("late", "ready");
        setter.awaitLine("SET"::equals, PYTHON_TIMEOUT);
        assertThat(waiting.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("ready");
        page.until(driver -> driver.findElements(By.cssSelector("tr[data-missing-key='/late']")).isEmpty()
                && !driver.findElements(By.cssSelector("li[data-resolved-key='/late']")).isEmpty());
        assertThat(browser.findElement(By.id("missing-none")).isDisplayed()).isTrue();
        assertThat(textOf("#world-text")).startsWith("3 of 3 processes registered");
    }
}
