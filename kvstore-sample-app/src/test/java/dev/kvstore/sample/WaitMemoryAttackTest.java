package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 23's attacks on the sample app as it runs in production (its own JVM, {@code -Xmx256m}, exiting on an
 * {@link OutOfMemoryError}): 300 concurrent {@code GET /ranks?expected=4096&timeoutSeconds=20}, each within the caps,
 * took the heap from 70 to 252 MB and killed the app; now the waits past {@code sample.limits.max-wait-memory} get a
 * 429 at once, the app keeps serving, and the heap after GC stays within that budget. A 9 MiB PUT got a broken pipe;
 * now its client reads the 413.
 */
class WaitMemoryAttackTest {

    private static final Duration START = Duration.ofSeconds(120);
    private static final int ATTACKERS = 300;
    private static final int EXPECTED = 4096;
    private static final long MIB = 1024 * 1024;
    private static final Pattern HEAP_USED = Pattern.compile("\"value\":([0-9.E]+)");

    private static AppProcess app;
    private static Http http;
    private static int httpPort;

    @BeforeAll
    static void startApp() throws Exception {
        httpPort = FreePorts.pick();
        app = AppProcess.start("--server.port=" + httpPort, "--kvstore.tcp.port=0");
        // 300 connections opened at once on a loaded 2-core machine: connecting is not what is tested.
        http = new Http(httpPort, Duration.ofSeconds(60));
        long deadline = System.nanoTime() + START.toNanos();
        while (!answers("/actuator/health/readiness", 200)) {
            assertThat(app.isAlive()).as("the app is running:%n%s", app.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("ready within %s:%n%s", START, app.output()).isNegative();
            Thread.sleep(200); // poll interval of a bounded wait
        }
    }

    @AfterAll
    static void stopApp() throws InterruptedException {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void waitsPastTheirMemoryBudgetGet429AtOnceAndTheAppKeepsServing() throws Exception {
        long heapBefore = heapUsedAfterGc();
        long budget = 256 * MIB / 4; // max-wait-memory's default: a quarter of -Xmx256m
        String path = "/ranks?expected=" + EXPECTED + "&timeoutSeconds=20";
        List<CompletableFuture<HttpResponse<String>>> attack = IntStream.range(0, ATTACKERS)
                .mapToObj((i) -> http.sendAsync(http.request(path).GET(), Duration.ofSeconds(120))).toList();

        // Every attacker is either refused at once or parked: none hangs in between.
        long deadline = System.nanoTime() + START.toNanos();
        long refused;
        while (true) {
            refused = attack.stream().filter((r) -> r.isDone() && r.join().statusCode() == 429).count();
            if (refused + parked() == ATTACKERS) {
                break;
            }
            assertThat(System.nanoTime() - deadline).as("%d refused, %d parked", refused, parked()).isNegative();
            Thread.sleep(100); // poll interval of a bounded wait
        }
        long parked = parked();
        assertThat(parked).as("waits parked within the budget").isPositive()
                .isLessThanOrEqualTo(budget / ParkedWaits.charge(EXPECTED));
        HttpResponse<String> refusal = attack.stream().map(CompletableFuture::join)
                .filter((r) -> r.statusCode() == 429).findFirst().orElseThrow();
        Problems.assertProblem(refusal, 429, "sample.limits.max-wait-memory");
        assertThat(refusal.headers().firstValue("Retry-After")).hasValue("5");

        // The app serves while the admitted waits are parked, and holds at most their budget.
        assertThat(http.put("/kv/during-the-attack", "still answering").statusCode()).isEqualTo(204);
        assertThat(http.get("/kv/during-the-attack").body()).isEqualTo("still answering");
        assertThat(http.get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(heapUsedAfterGc() - heapBefore).as("heap growth with %d waits parked", parked)
                .isLessThan(budget);

        // The parked waits end with their timeout (nobody registers 4096 ranks), and slots are free again.
        CompletableFuture.allOf(attack.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        assertThat(attack).allSatisfy((r) -> assertThat(r.join().statusCode()).isIn(429, 504));
        assertThat(http.put("/ranks/0", "").statusCode()).isEqualTo(204);
        assertThat(http.get("/ranks?expected=1&timeoutSeconds=5").body()).contains("\"ready\":[0]");
        assertThat(app.isAlive()).isTrue();
    }

    @Test
    void aNineMebibytePutGetsA413ItsClientCanRead() throws IOException {
        byte[] body = new byte[9 * 1024 * 1024];
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), httpPort)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /kv/too-big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body); // a client that writes its whole body before it reads: the 413 must still reach it
            out.flush();
            String response = readAll(socket.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413").contains("application/problem+json")
                    .contains("sample.limits.max-value-size");
        }
        assertThat(http.get("/kv/too-big").statusCode()).isEqualTo(404);
    }

    private static long parked() throws InterruptedException {
        return (long) metric("/actuator/metrics/sample.waits.parked");
    }

    private static long heapUsedAfterGc() throws IOException, InterruptedException {
        app.collectGarbage();
        return (long) metric("/actuator/metrics/jvm.memory.used?tag=area:heap");
    }

    private static double metric(String path) {
        HttpResponse<String> response = http.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        Matcher value = HEAP_USED.matcher(response.body());
        assertThat(value.find()).as(response.body()).isTrue();
        return Double.parseDouble(value.group(1));
    }

    private static boolean answers(String path, int status) {
        try {
            return http.get(path).statusCode() == status;
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
