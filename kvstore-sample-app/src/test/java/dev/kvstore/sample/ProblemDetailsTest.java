package dev.kvstore.sample;

import static dev.kvstore.sample.Problems.assertInvalidParameter;
import static dev.kvstore.sample.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStoreConflictException;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.api.KVStoreTimeoutException;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Every error the app answers, over real HTTP: its status and its RFC 9457 body, including Spring MVC's own errors, and
 * the caps on every numeric parameter.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sample.limits.max-value-size=1KB")
class ProblemDetailsTest extends AppOverHttp {

    // --- caps on numeric parameters ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "PUT,  /ranks/-3,                                                rank,           0, 4095",
        "PUT,  /ranks/4096,                                              rank,           0, 4095",
        "PUT,  /ranks/three,                                             rank,           0, 4095",
        "PUT,  /ranks/99999999999,                                       rank,           0, 4095",
        "GET,  /ranks?expected=0,                                        expected,       1, 4096",
        "GET,  /ranks?expected=4097,                                     expected,       1, 4096",
        "GET,  /ranks?expected=many,                                     expected,       1, 4096",
        "GET,  /ranks,                                                   expected,       1, 4096",
        "POST, /barriers/capped?parties=0,                               parties,        1, 4096",
        "POST, /barriers/capped?parties=4097,                            parties,        1, 4096",
        "POST, /barriers/capped?parties=2147483648,                      parties,        1, 4096",
        "POST, /barriers/capped,                                         parties,        1, 4096",
        "GET,  /ranks?expected=1&timeoutSeconds=601,                     timeoutSeconds, 1, 600",
        "GET,  /ranks?expected=1&timeoutSeconds=0,                       timeoutSeconds, 1, 600",
        "POST, /barriers/capped?parties=2&timeoutSeconds=-5,             timeoutSeconds, 1, 600",
        "POST, /barriers/capped?parties=2&timeoutSeconds=soon,           timeoutSeconds, 1, 600",
        "POST, /barriers/capped?parties=2&timeoutSeconds=9223372036854775807, timeoutSeconds, 1, 600",
    })
    void everyNumericParameterIsCapped(String method, String path, String parameter, long min, long max) {
        HttpRequest.BodyPublisher noBody = HttpRequest.BodyPublishers.noBody();
        assertInvalidParameter(http.send(http.request(path).method(method, noBody)), parameter, min, max);
    }

    @Test
    void theHighestAllowedRankIsAccepted() {
        assertThat(http.put("/ranks/4095", "").statusCode()).isEqualTo(204);
    }

    @Test
    void theDetailSaysWhichSettingMovesTheCap() {
        assertProblem(http.post("/barriers/capped?parties=5000"), 400, "sample.limits.max-parties");
        assertProblem(http.get("/ranks?expected=1&timeoutSeconds=601"), 400, "sample.limits.max-timeout");
    }

    // --- the store's errors --------------------------------------------------------------------------------------

    @Test
    void unknownKeysAre404() {
        assertProblem(http.get("/kv/no/such/key"), 404, "'no/such/key'");
        assertProblem(http.delete("/kv/no/such/key"), 404, "'no/such/key'");
    }

    @Test
    void aStoreTimeoutIs504WithTheStoresMessage() {
        assertProblem(http.get("/ranks?expected=2&timeoutSeconds=1"), 504, "0 of 2", "ranks/1/ready");
    }

    @Test
    void eachStoreExceptionTypeHasItsStatus() {
        assertProblem(http.get("/test-errors/timeout"), 504, "thrown by the test");
        assertProblem(http.get("/test-errors/connection"), 503, "thrown by the test");
        assertProblem(http.get("/test-errors/conflict"), 409, "thrown by the test");
        assertProblem(http.get("/test-errors/limit"), 413, "thrown by the test");
        assertProblem(http.get("/test-errors/store"), 503, "thrown by the test");
        assertProblem(http.get("/test-errors/argument"), 400, "thrown by the test");
        assertProblem(http.get("/test-errors/bug"), 500, "IllegalStateException");
    }

    // --- Spring MVC's own errors ---------------------------------------------------------------------------------

    @Test
    void wrongMethodIs405WithTheAllowedMethods() {
        HttpResponse<String> response = http.send(http.request("/kv/k").POST(HttpRequest.BodyPublishers.noBody()));
        assertProblem(response, 405, "POST", "PUT");
        assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(
                (allow) -> assertThat(allow).contains("PUT").contains("GET").contains("DELETE"));
    }

    @Test
    void aValueOfAnotherContentTypeIs415SayingWhatToSend() {
        HttpResponse<String> json = http.send(http.request("/kv/k").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"v\":1}")));
        assertProblem(json, 415, "'application/json'", "send Content-Type: text/plain");

        // curl --data without -H sends a form; the value would be lost in form parsing.
        HttpResponse<String> form = http.send(http.request("/kv/k")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("v42")));
        assertProblem(form, 415, "send Content-Type: text/plain");

        HttpResponse<String> none = http.send(http.request("/kv/k").PUT(HttpRequest.BodyPublishers.noBody()));
        assertProblem(none, 415, "send Content-Type: text/plain");
        assertThat(http.get("/kv/k").statusCode()).isEqualTo(404);
    }

    @Test
    void aMissingValueIs400SayingWhatToSend() {
        assertProblem(http.put("/kv/k", ""), 400, "send Content-Type: text/plain");
    }

    @Test
    void aValueOverTheLimitIs413BeforeItIsRead() {
        assertProblem(http.put("/kv/big", "x".repeat(1025)), 413, "1025 bytes", "sample.limits.max-value-size");
        // Chunked: no Content-Length, so the limit is found while reading.
        HttpResponse<String> chunked = http.send(http.request("/kv/big").header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[64 * 1024]))));
        assertProblem(chunked, 413, "more than 1024", "sample.limits.max-value-size");
        assertThat(http.get("/kv/big").statusCode()).isEqualTo(404);

        assertThat(http.put("/kv/big", "x".repeat(1024)).statusCode()).isEqualTo(204);
    }

    @Test
    void unknownPathsAre404() {
        assertProblem(http.get("/no/such/endpoint"), 404);
    }

    @Test
    void anActuatorErrorWithoutABodyGetsOne() {
        assertProblem(http.get("/actuator/metrics/no.such.metric"), 404, "Not Found");
    }

    @Test
    void errorsReachingTheContainersErrorPageAreProblemsToo() {
        assertProblem(http.get("/error"), 500);
    }

    @Test
    void requestsTomcatRefusesBeforeTheAppAreProblemsToo() {
        assertProblem(http.get("/kv/a%2Fb"), 400, "before it reached the app", "encoded '/'");
        assertProblem(http.get("/kv/a%00b"), 400, "before it reached the app");
        assertProblem(http.send(http.request("/info").header("X-Oversized", "a".repeat(20_000)).GET()), 400,
                "size of the headers");
    }

    @Test
    void valuesKeepTheirDeclaredCharset() {
        HttpResponse<String> put = http.send(http.request("/kv/latin").header("Content-Type",
                "text/plain;charset=ISO-8859-1").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xE9})));
        assertThat(put.statusCode()).isEqualTo(204);
        assertThat(http.get("/kv/latin").body()).isEqualTo("\u00e9");
    }

    /** Throws each store exception type, to check how the app renders it. */
    @TestConfiguration
    static class ThrowingEndpoint {

        @Bean
        Thrower thrower() {
            return new Thrower();
        }
    }

    @RestController
    static class Thrower {

        @GetMapping("/test-errors/{kind}")
        String fail(@PathVariable String kind) {
            String message = kind + " thrown by the test";
            throw switch (kind) {
                case "timeout" -> new KVStoreTimeoutException(message);
                case "connection" -> new KVStoreConnectionException(message);
                case "conflict" -> new KVStoreConflictException(message);
                case "limit" -> new KVStoreLimitException(message);
                case "store" -> new KVStoreException(message);
                case "argument" -> new IllegalArgumentException(message);
                default -> new IllegalStateException(message);
            };
        }
    }
}
