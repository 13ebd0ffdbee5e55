package dev.kvstore.spring.docker.compose;

import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionDetailsFactory;
import org.springframework.boot.docker.compose.service.connection.DockerComposeConnectionSource;
import org.springframework.boot.ssl.SslBundle;

/**
 * {@link DockerComposeConnectionDetailsFactory} that creates {@link EtcdConnectionDetails} for an etcd service of a
 * Docker Compose file started by {@code spring-boot-docker-compose}: images {@code quay.io/coreos/etcd},
 * {@code gcr.io/etcd-development/etcd} and {@code bitnami/etcd}, or any image labelled
 * {@code org.springframework.boot.service-connection: etcd}. The endpoint is the host port mapped to the container's
 * client port 2379: {@code https://} when the service has Spring Boot's SSL labels
 * ({@code org.springframework.boot.sslbundle.pem.*} or {@code .jks.*}), whose bundle then secures the connection,
 * else {@code http://}. A {@code bitnami/etcd} service with {@code ETCD_ROOT_PASSWORD} is used as user {@code root}.
 */
class EtcdDockerComposeConnectionDetailsFactory
        extends DockerComposeConnectionDetailsFactory<EtcdConnectionDetails> {

    static final String[] ETCD_CONNECTION_NAMES = { "etcd", "coreos/etcd", "etcd-development/etcd", "bitnami/etcd" };

    static final int ETCD_CLIENT_PORT = 2379;

    EtcdDockerComposeConnectionDetailsFactory() {
        super(ETCD_CONNECTION_NAMES, "io.etcd.jetcd.Client");
    }

    @Override
    protected EtcdConnectionDetails getDockerComposeConnectionDetails(DockerComposeConnectionSource source) {
        return new EtcdDockerComposeConnectionDetails(source.getRunningService());
    }

    /** {@link EtcdConnectionDetails} of a running Docker Compose service. */
    static final class EtcdDockerComposeConnectionDetails extends DockerComposeConnectionDetails
            implements EtcdConnectionDetails {

        private final List<String> endpoints;

        private final @Nullable SslBundle sslBundle;

        private final @Nullable String password;

        EtcdDockerComposeConnectionDetails(RunningService service) {
            super(service);
            this.sslBundle = getSslBundle(service);
            String scheme = (this.sslBundle != null) ? "https" : "http";
            this.endpoints = List.of(scheme + "://" + service.host() + ":" + service.ports().get(ETCD_CLIENT_PORT));
            this.password = rootPassword(service.env());
        }

        /** The bitnami image enables authentication with this root password unless none is allowed. */
        private static @Nullable String rootPassword(Map<String, @Nullable String> env) {
            String password = env.get("ETCD_ROOT_PASSWORD");
            boolean noAuthentication = "yes".equalsIgnoreCase(env.get("ALLOW_NONE_AUTHENTICATION"));
            return (password == null || password.isEmpty() || noAuthentication) ? null : password;
        }

        @Override
        public List<String> getEndpoints() {
            return this.endpoints;
        }

        @Override
        public @Nullable String getUsername() {
            return (this.password != null) ? "root" : null;
        }

        @Override
        public @Nullable String getPassword() {
            return this.password;
        }

        @Override
        public @Nullable SslBundle getSslBundle() {
            return this.sslBundle;
        }

    }

}
