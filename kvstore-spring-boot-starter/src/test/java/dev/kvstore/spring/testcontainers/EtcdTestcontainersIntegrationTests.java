package dev.kvstore.spring.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Configuration;
import org.testcontainers.containers.GenericContainer;

/**
 * End to end with a Docker engine ({@link RequiresDocker}: runs when a Docker API is reachable, skipped otherwise):
 * the example of docs/starter.md, an etcd container as a {@code @ServiceConnection}; Spring Boot starts it and the
 * starter connects through its details. The image is the official one unless the system property
 * {@code kvstore.test.etcd-image} or the environment variable {@code KVSTORE_TEST_ETCD_IMAGE} names another
 * ({@code .ci/container-engine} builds one from Debian's etcd, {@code localhost/etcd:3.4.23-debian}, so that CI needs
 * no registry).
 */
@RequiresDocker
@SpringBootTest(properties = "kvstore.backend=etcd")
class EtcdTestcontainersIntegrationTests {

    static final String IMAGE = image();

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

    private static String image() {
        String image = System.getProperty("kvstore.test.etcd-image");
        if (image == null || image.isBlank()) {
            image = System.getenv("KVSTORE_TEST_ETCD_IMAGE");
        }
        return (image == null || image.isBlank()) ? "quay.io/coreos/etcd:v3.5.17" : image;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

    }

}
