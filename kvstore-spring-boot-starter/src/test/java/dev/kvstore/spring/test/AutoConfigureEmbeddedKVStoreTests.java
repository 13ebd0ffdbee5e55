package dev.kvstore.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.tcp.client.TcpStoreClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.TestPropertySource;

/**
 * Real {@code @SpringBootTest}s with {@link AutoConfigureEmbeddedKVStore}: two nested classes with different
 * namespaces are two application contexts, each with an embedded master of its own, both alive at the end. The
 * outer class's {@code kvstore.tcp.host} shows that the annotation wins over {@code @SpringBootTest(properties)}.
 */
@SpringBootTest(classes = AutoConfigureEmbeddedKVStoreTests.Application.class,
        properties = "kvstore.tcp.host=192.0.2.1")
@AutoConfigureEmbeddedKVStore
class AutoConfigureEmbeddedKVStoreTests {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    /** The port each nested class's context bound, by namespace. */
    private static final Map<String, Integer> boundPorts = new ConcurrentHashMap<>();

    @AfterAll
    static void eachContextHasAMasterOnAPortOfItsOwn() {
        assertThat(boundPorts).containsOnlyKeys("first", "second");
        assertThat(boundPorts.get("first")).isNotEqualTo(boundPorts.get("second"));
        // Both contexts are still cached, so both masters still serve their own keys.
        boundPorts.forEach((namespace, port) -> {
            try (TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", port, CLIENT_TIMEOUT)) {
                assertThat(client.check(List.of(namespace + "/tensorbus/from-store"))).isTrue();
            }
        });
    }

    abstract static class EmbeddedMasterTests {

        @Autowired
        KVStore store;

        @Value("${local.kvstore.tcp.port}")
        int port;

        @Value("${kvstore.namespace}")
        String namespace;

        @Value("${kvstore.tcp.host}")
        String host;

        @Test
        void storeAndARawClientShareTheMasterOnTheBoundPort() {
            assertThat(this.port).isPositive().isNotEqualTo(29500);
            // The annotation's inlined test properties win over @SpringBootTest(properties = ...).
            assertThat(this.host).isEqualTo("127.0.0.1");
            boundPorts.put(this.namespace, this.port);
            this.store.set("from-store", "written by the injected store");
            try (TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", this.port, CLIENT_TIMEOUT)) {
                assertThat(new String(client.get(this.namespace + "/tensorbus/from-store"), StandardCharsets.UTF_8))
                    .isEqualTo("written by the injected store");
                client.set(this.namespace + "/tensorbus/from-client",
                        "written by a raw client".getBytes(StandardCharsets.UTF_8));
            }
            // SET has no reply: the raw client's write may reach the master after the store's next read.
            await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(this.store.get("from-client")).contains("written by a raw client"));
        }

    }

    @Nested
    @TestPropertySource(properties = "kvstore.namespace=first")
    class FirstContext extends EmbeddedMasterTests {

    }

    @Nested
    @TestPropertySource(properties = "kvstore.namespace=second")
    class SecondContext extends EmbeddedMasterTests {

    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

    }

}
