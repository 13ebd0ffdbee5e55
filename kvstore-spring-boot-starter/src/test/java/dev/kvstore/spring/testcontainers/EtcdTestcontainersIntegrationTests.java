package dev.kvstore.spring.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Configuration;
import org.testcontainers.containers.GenericContainer;

/**
 * End to end with a Docker engine (tag "docker", run with {@code -Pdocker}): the example of docs/starter.md, an etcd
 * container as a {@code @ServiceConnection}; Spring Boot starts it and the starter connects through its details. The
 * image is the official one unless {@code -Dkvstore.test.etcd-image} names another ({@code .ci/run} builds one from
 * Debian's etcd, {@code localhost/etcd:3.4.23-debian}, so that no registry is needed).
 */
@Tag("docker")
@SpringBootTest(properties = "kvstore.backend=etcd")
class EtcdTestcontainersIntegrationTests {

    static final String IMAGE = System.getProperty("kvstore.test.etcd-image", "quay.io/coreos/etcd:v3.5.17");

    @ServiceConnection
    static final GenericContainer<?> etcd = new GenericContainer<>(IMAGE)
        .withCommand("etcd", "--listen-client-urls=http://0.0.0.0:2379",
                "--advertise-client-urls=http://0.0.0.0:2379")
        .withExposedPorts(EtcdContainerConnectionDetailsFactory.ETCD_CLIENT_PORT);

    @Autowired
    EtcdConnectionDetails connectionDetails;

    @Autowired
    KVStore store;

    @Test
    void connectsToTheContainer() {
        assertThat(this.connectionDetails.getEndpoints()).singleElement().asString()
            .endsWith(":" + etcd.getMappedPort(EtcdContainerConnectionDetailsFactory.ETCD_CLIENT_PORT));
        this.store.set("container", "yes");
        assertThat(this.store.get("container")).contains("yes");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

    }

}
