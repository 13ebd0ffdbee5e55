package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /actuator/kvstore} over real HTTP as the sample app exposes it: the JSON of the embedded master with a
 * real PyTorch 1.13 client waiting and one connected idle, values hidden, keys paged.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        // Its own namespace: an application context (and master) of its own, not shared with other tests.
        properties = { "kvstore.tcp.world-size=3", "kvstore.tcp.wait-for-workers=false",
            "kvstore.namespace=endpoint-http" })
@RequiresTorch
class KVStoreEndpointHttpTest extends AppOverHttp {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    ManagedKVStore store;

    private final List<PythonProcess> peers = new ArrayList<>();

    @AfterEach
    void stopPeers() {
        peers.forEach(PythonProcess::close);
    }

    private PythonProcess torch(String key) throws InterruptedException {
        PythonProcess peer = PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1",
                ((TcpKVStore) store.delegate()).port(), 3, key);
        peers.add(peer);
        peer.awaitLine("READY"::equals, PYTHON_TIMEOUT);
        return peer;
    }

    private JsonNode kvstore(String query) {
        HttpResponse<String> response = http.get("/actuator/kvstore" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void answersTheMastersClientsMissingKeysAndPagedKeysWithValuesHidden() throws Exception {
        for (String key : List.of("b", "a", "c")) {
            store.set("http/" + key, "secret");
        }
        torch("waited/for").awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        torch("-");
        await().atMost(PYTHON_TIMEOUT).until(() -> kvstore("").path("master").path("missing").size() == 1);

        JsonNode body = kvstore("");
        assertThat(body.path("backend").asString()).isEqualTo("tcp");
        assertThat(body.path("namespace").asString()).isEqualTo("endpoint-http");
        assertThat(body.path("valuesShown").asBoolean()).isFalse();
        JsonNode master = body.path("master");
        assertThat(master.path("worldSize").asInt()).isEqualTo(3);
        assertThat(master.path("initRegistrations").asInt()).isEqualTo(3);
        JsonNode missing = master.path("missing").get(0);
        assertThat(missing.path("name").asString()).isEqualTo("/waited/for");
        assertThat(missing.path("waiters").asInt()).isEqualTo(1);
        assertThat(missing.path("longestWaitMillis").isNumber()).isTrue();
        assertThat(master.path("clientCount").asInt()).isGreaterThanOrEqualTo(5);
        List<String> waitedFor = new ArrayList<>();
        master.path("clients").forEach((client) -> client.path("waits")
            .forEach((wait) -> wait.path("keys").forEach((key) -> waitedFor.add(key.asString()))));
        assertThat(waitedFor).containsExactly("/waited/for");
        assertThat(body.toString()).doesNotContain("secret");

        JsonNode first = kvstore("?limit=2").path("master");
        assertThat(first.path("keys")).hasSize(2);
        assertThat(first.path("keys").get(0).path("name").asString()).isEqualTo("/endpoint-http/tensorbus/http/a");
        assertThat(first.path("keys").get(0).path("value").isNull()).isTrue();
        String after = first.path("nextKeysAfter").asString();
        assertThat(after).isEqualTo("/endpoint-http/tensorbus/http/b");
        JsonNode second = kvstore("?limit=2&after=" + java.net.URLEncoder.encode(after,
                java.nio.charset.StandardCharsets.UTF_8)).path("master");
        assertThat(second.path("keys").get(0).path("name").asString()).isEqualTo("/endpoint-http/tensorbus/http/c");
    }
}
