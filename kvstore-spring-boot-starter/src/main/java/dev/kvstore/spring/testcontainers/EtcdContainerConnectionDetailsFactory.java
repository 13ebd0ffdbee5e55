package dev.kvstore.spring.testcontainers;

import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.testcontainers.containers.Container;

/**
 * {@link ContainerConnectionDetailsFactory} that creates {@link EtcdConnectionDetails} from a
 * {@link ServiceConnection @ServiceConnection}-annotated container of an etcd image ({@code quay.io/coreos/etcd},
 * {@code gcr.io/etcd-development/etcd}, {@code bitnami/etcd}), or of any image with
 * {@code @ServiceConnection(name = "etcd")}. The endpoint is the container's mapped client port 2379: plain HTTP, or
 * HTTPS when the container field also carries Spring Boot's SSL annotations ({@code @PemTrustStore},
 * {@code @PemKeyStore}, ...), whose bundle then secures the connection.
 */
class EtcdContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<Container<?>, EtcdConnectionDetails> {

    static final List<String> ETCD_CONNECTION_NAMES = List.of("etcd", "coreos/etcd", "etcd-development/etcd",
            "bitnami/etcd");

    static final int ETCD_CLIENT_PORT = 2379;

    EtcdContainerConnectionDetailsFactory() {
        super(ETCD_CONNECTION_NAMES, "io.etcd.jetcd.Client");
    }

    @Override
    protected EtcdConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
        return new EtcdContainerConnectionDetails(source);
    }

    /** {@link EtcdConnectionDetails} backed by a {@link ContainerConnectionSource}. */
    private static final class EtcdContainerConnectionDetails extends ContainerConnectionDetails<Container<?>>
            implements EtcdConnectionDetails {

        private EtcdContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
            super(source);
        }

        @Override
        public List<String> getEndpoints() {
            Container<?> container = getContainer();
            String scheme = (getSslBundle() != null) ? "https" : "http";
            return List.of(scheme + "://" + container.getHost() + ":" + container.getMappedPort(ETCD_CLIENT_PORT));
        }

        /** The bundle of Spring Boot's SSL annotations on the container field, or {@code null}. */
        @Override
        public @Nullable SslBundle getSslBundle() {
            return super.getSslBundle();
        }

    }

}
