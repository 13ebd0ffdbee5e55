package dev.kvstore.sample;

import dev.kvstore.testing.FreePorts;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} tests: the app on its embedded default (it hosts
 * the TCPStore master, on a free port), and a real HTTP client for it. Subclasses with the same properties share one
 * application context.
 */
abstract class AppOverHttp {

    @DynamicPropertySource
    static void freeTcpStorePort(DynamicPropertyRegistry registry) {
        registry.add("kvstore.tcp.port", FreePorts::pick);
    }

    @LocalServerPort
    int port;

    Http http;

    @BeforeEach
    void client() {
        http = new Http(port);
    }
}
