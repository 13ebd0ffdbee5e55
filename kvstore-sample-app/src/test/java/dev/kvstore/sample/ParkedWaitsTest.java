package dev.kvstore.sample;

import static dev.kvstore.sample.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The cap on parked waits: one more than {@code sample.limits.max-concurrent-waits} is refused with 429. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sample.limits.max-concurrent-waits=2")
class ParkedWaitsTest extends AppOverHttp {

    @Autowired
    ParkedWaits waits;

    @Test
    void oneWaitMoreThanTheCapIs429WithRetryAfterAndTheOthersStillAnswer() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> parked = List.of(parkRankWait(), parkRankWait());
        await().atMost(Duration.ofSeconds(60)).until(() -> waits.parked() == 2);

        HttpResponse<String> refused = http.get("/ranks?expected=1&timeoutSeconds=60");
        assertProblem(refused, 429, "2 waits", "sample.limits.max-concurrent-waits");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertProblem(http.post("/barriers/refused?parties=2&timeoutSeconds=60"), 429);
        assertThat(parked).noneMatch(CompletableFuture::isDone);
        assertThat(http.get("/actuator/metrics/sample.waits.refused").body()).contains("\"value\":2.0");

        assertThat(http.put("/kv/not-a-wait", "answered").statusCode()).isEqualTo(204);
        assertThat(http.put("/ranks/0", "").statusCode()).isEqualTo(204);
        for (CompletableFuture<HttpResponse<String>> wait : parked) {
            HttpResponse<String> ready = wait.get(60, TimeUnit.SECONDS);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"ready\":[0]");
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> waits.parked() == 0);
        assertThat(http.get("/ranks?expected=1&timeoutSeconds=60").statusCode()).isEqualTo(200);
    }

    private CompletableFuture<HttpResponse<String>> parkRankWait() {
        return http.sendAsync(http.request("/ranks?expected=1&timeoutSeconds=60").GET(), Duration.ofSeconds(90));
    }
}
