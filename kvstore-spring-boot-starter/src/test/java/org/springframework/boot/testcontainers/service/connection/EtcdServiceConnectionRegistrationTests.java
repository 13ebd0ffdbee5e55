package org.springframework.boot.testcontainers.service.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.core.annotation.MergedAnnotation;
import org.testcontainers.containers.GenericContainer;

/**
 * The etcd {@code @ServiceConnection} factory is registered and matches etcd images only. There is no Docker engine
 * here, so the container is never started: this checks the registration and the matching, not the endpoint.
 * (The test lives in Boot's package because a {@link ContainerConnectionSource} can only be created there.)
 */
class EtcdServiceConnectionRegistrationTests {

    @Test
    void etcdImagesGetEtcdConnectionDetails() {
        for (String image : new String[] { "quay.io/coreos/etcd:v3.5.17", "gcr.io/etcd-development/etcd:v3.5.17",
                "bitnami/etcd:3.5" }) {
            assertThat(connectionDetailsFor(image, "")).as(image).containsKey(EtcdConnectionDetails.class);
        }
    }

    @Test
    void anyImageNamedEtcdGetsEtcdConnectionDetails() {
        assertThat(connectionDetailsFor("example.org/my-etcd:1", "etcd")).containsKey(EtcdConnectionDetails.class);
    }

    @Test
    void otherImagesDoNot() {
        assertThat(connectionDetailsFor("redis:7", "")).doesNotContainKey(EtcdConnectionDetails.class);
    }

    private Map<Class<?>, ConnectionDetails> connectionDetailsFor(String image, String name) {
        MergedAnnotation<ServiceConnection> annotation = MergedAnnotation.of(ServiceConnection.class,
                Map.of("name", name));
        ContainerConnectionSource<GenericContainer<?>> source = new ContainerConnectionSource<>("test", null,
                genericContainerType(), image, annotation, () -> {
                    throw new AssertionError("the container must not be started");
                }, null, null);
        return new ConnectionDetailsFactories(getClass().getClassLoader()).getConnectionDetails(source, false);
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static Class<GenericContainer<?>> genericContainerType() {
        return (Class) GenericContainer.class;
    }

}
