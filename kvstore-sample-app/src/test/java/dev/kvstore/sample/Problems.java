package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Assertions on RFC 9457 answers. */
final class Problems {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /**
     * Asserts that the response is an {@code application/problem+json} problem detail with this status whose
     * {@code detail} contains each of the given fragments.
     *
     * @return the problem detail, to check its other members
     */
    static JsonNode assertProblem(HttpResponse<String> response, int status, String... detailFragments) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).as("Content-Type of %s", response.body())
                .hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asString()).isNotBlank();
        String detail = problem.path("detail").asString();
        for (String fragment : detailFragments) {
            assertThat(detail).contains(fragment);
        }
        return problem;
    }

    /** Asserts a 400 naming the parameter, with its allowed range as members and in the detail. */
    static void assertInvalidParameter(HttpResponse<String> response, String parameter, long min, long max) {
        JsonNode problem = assertProblem(response, 400, "'" + parameter + "'", "from " + min + " to " + max);
        assertThat(problem.path("parameter").asString()).isEqualTo(parameter);
        assertThat(problem.path("min").asLong()).isEqualTo(min);
        assertThat(problem.path("max").asLong()).isEqualTo(max);
    }
}
