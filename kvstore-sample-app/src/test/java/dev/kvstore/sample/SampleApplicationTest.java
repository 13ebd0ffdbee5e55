package dev.kvstore.sample;

import static dev.kvstore.sample.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/** The app on its embedded default (it hosts the TCPStore master), exercised over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTest extends AppOverHttp {

    @Test
    void putGetDeleteKeysWithSlashes() {
        assertThat(http.put("/kv/model/weights/version", "v42").statusCode()).isEqualTo(204);
        HttpResponse<String> read = http.get("/kv/model/weights/version");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("v42");

        assertThat(http.delete("/kv/model/weights/version").statusCode()).isEqualTo(204);
        assertThat(http.get("/kv/model/weights/version").statusCode()).isEqualTo(404);
        assertThat(http.delete("/kv/model/weights/version").statusCode()).isEqualTo(404);
    }

    @Test
    void ranksRegisterAndAreAwaited() {
        assertThat(http.put("/ranks/1", "").statusCode()).isEqualTo(204);
        assertThat(http.put("/ranks/0", "").statusCode()).isEqualTo(204);
        HttpResponse<String> ready = http.get("/ranks?expected=2&timeoutSeconds=10");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":[0,1]");
    }

    @Test
    void awaitingMissingRanksTimesOutSayingWhichAreMissing() {
        http.put("/ranks/0", "");
        HttpResponse<String> timedOut = http.get("/ranks?expected=3&timeoutSeconds=1");
        assertProblem(timedOut, 504, "1 of 3", "ranks/1/ready", "ranks/2/ready");
    }

    @Test
    void singlePartyBarrierPassesAtOnce() {
        HttpResponse<String> passed = http.post("/barriers/solo?parties=1");
        assertThat(passed.statusCode()).isEqualTo(200);
        assertThat(passed.body()).contains("\"barrier\":\"solo\"").contains("\"parties\":1");
    }

    @Test
    void reusingAPassedBarriersNameIsAConflict() {
        assertThat(http.post("/barriers/once?parties=1").statusCode()).isEqualTo(200);
        assertProblem(http.post("/barriers/once?parties=1"), 409, "once");
    }

    @Test
    void aRetriedBarrierDoesNotPassWithFewerCallersThanParties() {
        assertProblem(http.post("/barriers/retried?parties=2&timeoutSeconds=1"), 504);
        HttpResponse<String> retry = http.post("/barriers/retried?parties=2&timeoutSeconds=1");
        assertThat(retry.statusCode()).as("a lone retry must not pass: %s", retry.body()).isIn(409, 504);
    }

    @Test
    void infoShowsWhoThisInstanceIs() {
        HttpResponse<String> info = http.get("/info");
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.body()).contains("\"backend\":\"tcp\"").contains("\"namespace\":\"demo\"")
                .contains("\"rank\":0");
    }

    @Test
    void healthShowsTheKvstoreComponentUp() {
        HttpResponse<String> health = http.get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"kvstore\"").contains("\"status\":\"UP\"");
    }
}
