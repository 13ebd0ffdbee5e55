package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver ({@code .ci/run} installs both; the driver's path
 * is explicit, so Selenium Manager never looks for or downloads one), showing the dashboard as a person sees it.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    /** Generous: the page refreshes every second, the machine may be loaded. */
    static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);

    private final ChromeDriverService service;
    private final ChromeDriver browser;
    private final WebDriverWait page;

    HeadlessChromium(Path userDataDir) {
        assertThat(new File(CHROMIUM)).as("Debian's chromium (.ci/run installs it)").canRead();
        assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver (.ci/run installs it)").canRead();
        this.service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + userDataDir,
                "--window-size=1280,1100");
        try {
            this.browser = new ChromeDriver(this.service, options);
        } catch (RuntimeException ex) {
            this.service.stop();
            throw ex;
        }
        this.page = new WebDriverWait(this.browser, PAGE_TIMEOUT);
    }

    /** Loads the dashboard and waits for its first refresh: what a person sees, never the "loading…" before it. */
    void open(int httpPort) {
        this.browser.get("http://127.0.0.1:" + httpPort + "/");
        this.page.until((driver) -> !driver.findElements(By.cssSelector("body[data-refreshes]")).isEmpty());
    }

    /** Waits until the condition holds on the page (it refreshes every second). */
    void until(java.util.function.Predicate<HeadlessChromium> condition) {
        this.page.until((driver) -> condition.test(this));
    }

    /** @return the visible text of the first element matching, {@code null} if there is none */
    @Nullable String text(String css) {
        List<WebElement> found = this.browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.get(0).getText();
    }

    /** @return whether an element matches and is displayed */
    boolean shows(String css) {
        List<WebElement> found = this.browser.findElements(By.cssSelector(css));
        return !found.isEmpty() && found.get(0).isDisplayed();
    }

    /** @return how many elements match */
    int count(String css) {
        return this.browser.findElements(By.cssSelector(css)).size();
    }

    @Nullable String attribute(String css, String name) {
        return this.browser.findElement(By.cssSelector(css)).getAttribute(name);
    }

    /** Saves what the page shows now as a PNG. */
    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.copy(this.browser.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        try {
            this.browser.quit();
        } finally {
            this.service.stop();
        }
    }

}
