package org.springframework.boot.docker.compose.service.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.spring.autoconfigure.EtcdConnectionDetails;
import dev.kvstore.testing.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.boot.docker.compose.core.ConnectionPorts;
import org.springframework.boot.docker.compose.core.ImageReference;
import org.springframework.boot.docker.compose.core.RunningService;
import org.springframework.core.env.StandardEnvironment;

/**
 * The etcd Docker Compose factory is registered, matches etcd services only, and maps the service to endpoints and
 * credentials. There is no Docker engine here: the running service is described, not started (the end-to-end run is
 * {@code EtcdDockerComposeIntegrationTests}, tag "docker"). The test lives in Boot's package because a
 * {@link DockerComposeConnectionSource} can only be created there.
 */
class EtcdDockerComposeRegistrationTests {

    @Test
    void etcdImagesGetEtcdConnectionDetailsOnTheMappedPort() {
        for (String image : List.of("quay.io/coreos/etcd:v3.5.17", "gcr.io/etcd-development/etcd:v3.5.17",
                "bitnami/etcd:3.5")) {
            EtcdConnectionDetails details = etcdDetails(service(image, Map.of(), Map.of()));
            assertThat(details).as(image).isNotNull();
            assertThat(details.getEndpoints()).as(image).containsExactly("http://127.0.0.1:32790");
            assertThat(details.getUsername()).isNull();
            assertThat(details.getSslBundle()).isNull();
        }
    }

    @Test
    void anyImageLabelledEtcdGetsEtcdConnectionDetails() {
        RunningService service = service("example.org/my-etcd:1",
                Map.of("org.springframework.boot.service-connection", "etcd"), Map.of());
        assertThat(etcdDetails(service)).isNotNull();
    }

    @Test
    void otherImagesDoNot() {
        assertThat(connectionDetailsFor(service("redis:7", Map.of(), Map.of())))
            .doesNotContainKey(EtcdConnectionDetails.class);
    }

    @Test
    void bitnamiRootPasswordBecomesTheCredentials() {
        EtcdConnectionDetails details = etcdDetails(
                service("bitnami/etcd:3.5", Map.of(), Map.of("ETCD_ROOT_PASSWORD", "s3cret")));
        assertThat(details.getUsername()).isEqualTo("root");
        assertThat(details.getPassword()).isEqualTo("s3cret");
        EtcdConnectionDetails open = etcdDetails(service("bitnami/etcd:3.5", Map.of(),
                Map.of("ETCD_ROOT_PASSWORD", "s3cret", "ALLOW_NONE_AUTHENTICATION", "yes")));
        assertThat(open.getUsername()).isNull();
        assertThat(open.getPassword()).isNull();
    }

    @Test
    void sslLabelsGiveABundleAndAnHttpsEndpoint(@TempDir Path certificateDir) {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        TestCertificates certificates = TestCertificates.create(certificateDir);
        EtcdConnectionDetails details = etcdDetails(service("quay.io/coreos/etcd:v3.5.17",
                Map.of("org.springframework.boot.sslbundle.pem.truststore.certificate",
                        certificates.caCertificate().toString()),
                Map.of()));
        assertThat(details.getSslBundle()).isNotNull();
        assertThat(details.getSslBundle().getManagers().getTrustManagerFactory()).isNotNull();
        assertThat(details.getEndpoints()).containsExactly("https://127.0.0.1:32790");
    }

    private EtcdConnectionDetails etcdDetails(RunningService service) {
        return (EtcdConnectionDetails) connectionDetailsFor(service).get(EtcdConnectionDetails.class);
    }

    private Map<Class<?>, ConnectionDetails> connectionDetailsFor(RunningService service) {
        DockerComposeConnectionSource source = new DockerComposeConnectionSource(service, new StandardEnvironment());
        return new ConnectionDetailsFactories(getClass().getClassLoader()).getConnectionDetails(source, false);
    }

    /** A service as {@code docker compose ps} reports it: container port 2379 published on host port 32790. */
    private static RunningService service(String image, Map<String, String> labels, Map<String, String> env) {
        return new RunningService() {

            @Override
            public String name() {
                return "etcd";
            }

            @Override
            public ImageReference image() {
                return ImageReference.of(image);
            }

            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public ConnectionPorts ports() {
                return new ConnectionPorts() {
                    @Override
                    public int get(int containerPort) {
                        if (containerPort != 2379) {
                            throw new IllegalStateException("no container port " + containerPort);
                        }
                        return 32790;
                    }

                    @Override
                    public List<Integer> getAll() {
                        return List.of(32790);
                    }

                    @Override
                    public List<Integer> getAll(String protocol) {
                        return "tcp".equals(protocol) ? getAll() : List.of();
                    }
                };
            }

            @Override
            public Map<String, String> env() {
                return env;
            }

            @Override
            public Map<String, String> labels() {
                return labels;
            }

        };
    }

}
