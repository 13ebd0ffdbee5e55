package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdTlsServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestCertificates;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code kvstore.etcd.ssl.bundle} (Spring Boot SSL bundles) and {@code classpath:} PEM locations against a real etcd
 * that requires mutual TLS.
 */
@RequiresEtcd
class EtcdSslBundleTests {

    @RegisterExtension
    static final EtcdTlsServerExtension etcd = new EtcdTlsServerExtension();

    static Path certificateDir;

    static TestCertificates certificates;

    static EtcdServer server;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, KVStoreAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.connect-timeout=15s"); // a TLS handshake on a loaded CI machine

    @BeforeAll
    static void useTlsEtcd() {
        certificates = etcd.certificates();
        certificateDir = certificates.directory();
        server = etcd.server();
    }

    @Test
    void mutualTlsFromAPemSslBundle() {
        this.runner
            .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.ssl.bundle=etcd",
                    "spring.ssl.bundle.pem.etcd.truststore.certificate=" + certificates.caCertificate(),
                    "spring.ssl.bundle.pem.etcd.keystore.certificate=" + certificates.clientCertificate(),
                    "spring.ssl.bundle.pem.etcd.keystore.private-key=" + certificates.clientKey())
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(EtcdConnectionDetails.class).getSslBundle()).isNotNull();
                KVStore store = context.getBean(KVStore.class);
                store.set("bundle", "yes");
                assertThat(store.get("bundle")).contains("yes");
            });
    }

    @Test
    void hostAndPortBecomeAnHttpsEndpointWithABundle() {
        this.runner
            .withPropertyValues("kvstore.etcd.port=" + server.member().clientPort(), "kvstore.etcd.ssl.bundle=etcd",
                    "spring.ssl.bundle.pem.etcd.truststore.certificate=" + certificates.caCertificate(),
                    "spring.ssl.bundle.pem.etcd.keystore.certificate=" + certificates.clientCertificate(),
                    "spring.ssl.bundle.pem.etcd.keystore.private-key=" + certificates.clientKey())
            .run((context) -> {
                assertThat(context.getBean(EtcdConnectionDetails.class).getEndpoints()).singleElement()
                    .asString().startsWith("https://");
                assertThat(context.getBean(KVStore.class).exists("nothing")).isFalse();
            });
    }

    @Test
    void aBundleWithoutTheClientKeyIsRefusedByAServerThatRequiresOne() {
        this.runner
            .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.ssl.bundle=etcd",
                    "spring.ssl.bundle.pem.etcd.truststore.certificate=" + certificates.caCertificate(),
                    "kvstore.etcd.connect-timeout=3s")
            // The store connects in the context's lifecycle: its start fails, with a report.
            .run((context) -> assertThatExceptionOfType(KVStoreStartupException.class)
                .isThrownBy(context.getBean(ManagedKVStore.class)::awaitStarted));
    }

    @Test
    void anUnknownBundleFailsStartupNamingIt() {
        this.runner
            .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.ssl.bundle=missing")
            .run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("'missing'"));
    }

    @Test
    void aBundleAndPemFilesTogetherFailStartupNamingBoth() {
        this.runner
            .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.ssl.bundle=etcd",
                    "spring.ssl.bundle.pem.etcd.truststore.certificate=" + certificates.caCertificate(),
                    "kvstore.etcd.tls.ca-certificate=" + certificates.caCertificate())
            .run((context) -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("kvstore.etcd.ssl.bundle").hasMessageContaining("kvstore.etcd.tls"));
    }

    @Test
    void pemFilePropertiesAcceptClasspathLocations() throws Exception {
        try (URLClassLoader classLoader = new URLClassLoader(new URL[] { certificateDir.toUri().toURL() },
                getClass().getClassLoader())) {
            this.runner.withClassLoader(classLoader)
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(),
                        "kvstore.etcd.tls.ca-certificate=classpath:" + fileName(certificates.caCertificate()),
                        "kvstore.etcd.tls.client-certificate=classpath:" + fileName(certificates.clientCertificate()),
                        "kvstore.etcd.tls.client-key=classpath:" + fileName(certificates.clientKey()))
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    KVStore store = context.getBean(KVStore.class);
                    store.set("classpath", "yes");
                    assertThat(store.get("classpath")).contains("yes");
                });
        }
    }

    private static String fileName(Path file) {
        assertThat(file.getParent()).isEqualTo(certificateDir);
        return file.getFileName().toString();
    }

}
