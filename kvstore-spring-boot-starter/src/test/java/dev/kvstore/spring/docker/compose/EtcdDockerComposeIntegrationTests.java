package dev.kvstore.spring.docker.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import dev.kvstore.spring.testcontainers.RequiresDocker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;

/**
 * End to end with a Docker engine ({@link RequiresDocker}): Spring Boot starts the etcd service of
 * {@code src/test/resources/docker/etcd-compose.yaml} (relative to the module directory, surefire's working
 * directory), and the starter connects to it through the Docker Compose connection details. Also tagged "compose",
 * which the build leaves out by default: it needs the Docker Compose v2 CLI ({@code docker compose}), which Debian 12
 * (and so {@code .ci/run}'s podman engine) lacks; run it with {@code -Dkvstore.excludedGroups=soak}
 * (docs/development.md).
 */
@RequiresDocker
@Tag("compose")
@SpringBootTest(properties = { "kvstore.backend=etcd",
        "spring.docker.compose.enabled=true", "spring.docker.compose.file=src/test/resources/docker/etcd-compose.yaml",
        "spring.docker.compose.skip.in-tests=false", "spring.docker.compose.lifecycle-management=start-and-stop" })
class EtcdDockerComposeIntegrationTests {

    @Autowired
    EtcdConnectionDetails connectionDetails;

    @Autowired
    KVStore store;

    @Test
    void connectsToTheComposeService() {
        assertThat(this.connectionDetails.getClass().getSimpleName()).isEqualTo("EtcdDockerComposeConnectionDetails");
        this.store.set("compose", "yes");
        assertThat(this.store.get("compose")).contains("yes");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

    }

}
