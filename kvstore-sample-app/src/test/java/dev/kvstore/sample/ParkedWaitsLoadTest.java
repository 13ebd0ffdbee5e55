package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Issue 11's measurement: with 250 requests parked in a barrier (default limits), other endpoints still answer in
 * under a second, because waits do not hold the web server's request threads.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ParkedWaitsLoadTest extends AppOverHttp {

    private static final int PARKED = 250;
    private static final Duration BOUND = Duration.ofSeconds(1);

    @Autowired
    ParkedWaits waits;

    @Test
    void twoHundredFiftyParkedWaitsLeaveAPutAnsweringWithinASecond() throws Exception {
        String barrier = "/barriers/crowd?parties=" + (PARKED + 1) + "&timeoutSeconds=300";
        List<CompletableFuture<HttpResponse<String>>> parked = IntStream.range(0, PARKED)
                .mapToObj((i) -> http.sendAsync(http.request(barrier).POST(HttpRequest.BodyPublishers.noBody()),
                        Duration.ofSeconds(330)))
                .toList();
        await().atMost(Duration.ofSeconds(120)).until(() -> waits.parked() == PARKED);
        assertThat(parked).noneMatch(CompletableFuture::isDone);

        assertThat(timed(() -> http.put("/kv/during-the-waits", "still answering"), 204)).isLessThan(BOUND);
        assertThat(timed(() -> http.get("/kv/during-the-waits"), 200)).isLessThan(BOUND);
        assertThat(timed(() -> http.get("/info"), 200)).isLessThan(BOUND);
        assertThat(parked).noneMatch(CompletableFuture::isDone);

        // The last party releases all of them: parked waits were really waiting, and all answer.
        assertThat(http.post(barrier).statusCode()).isEqualTo(200);
        CompletableFuture.allOf(parked.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        assertThat(parked).allSatisfy((wait) -> assertThat(wait.join().statusCode()).isEqualTo(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> waits.parked() == 0);
    }

    private static Duration timed(Supplier<HttpResponse<String>> call, int expectedStatus) {
        long start = System.nanoTime();
        HttpResponse<String> response = call.get();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(response.statusCode()).isEqualTo(expectedStatus);
        return took;
    }
}
