package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.testing.EtcdAuth;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestCertificates;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code kvstore.etcd.tls.*} and {@code kvstore.etcd.user/password} reach a real etcd that requires them. */
@RequiresEtcd
class EtcdSecurityTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.connect-timeout=10s");

    @Test
    void mutualTlsFromProperties(@TempDir Path certificateDir) {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        TestCertificates certificates = TestCertificates.create(certificateDir);
        try (EtcdServer server = EtcdServer.startTls(certificates.serverTls(true))) {
            this.runner
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(),
                        "kvstore.etcd.tls.ca-certificate=" + certificates.caCertificate(),
                        "kvstore.etcd.tls.client-certificate=" + certificates.clientCertificate(),
                        "kvstore.etcd.tls.client-key=" + certificates.clientKey())
                .run((context) -> {
                    assertThat(server.endpoint()).startsWith("https://");
                    KVStore store = context.getBean(KVStore.class);
                    store.set("secure", "yes");
                    assertThat(store.get("secure")).contains("yes");
                });
            this.runner
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(),
                        "kvstore.etcd.tls.ca-certificate=" + certificates.caCertificate())
                .run((context) -> assertThatExceptionOfType(KVStoreStartupException.class).as("no client certificate")
                    .isThrownBy(context.getBean(ManagedKVStore.class)::awaitStarted)
                    .satisfies((ex) -> assertThat(ex.action()).contains("kvstore.etcd.tls.client-certificate")));
        }
    }

    /**
     * Certificates given as {@code classpath:} locations of a jar on the class path, as in a packaged application
     * (where a {@code Path} property failed to bind: "cannot be resolved to absolute file path").
     */
    @Test
    void mutualTlsFromCertificatesInAJarOnTheClassPath(@TempDir Path certificateDir) throws Exception {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        TestCertificates certificates = TestCertificates.create(certificateDir.resolve("pem"));
        Path jar = certificateDir.resolve("certificates.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path file : List.of(certificates.caCertificate(), certificates.clientCertificate(),
                    certificates.clientKey())) {
                out.putNextEntry(new JarEntry("etcd-tls/" + file.getFileName()));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
        try (EtcdServer server = EtcdServer.startTls(certificates.serverTls(true));
                URLClassLoader classLoader = new URLClassLoader(new URL[] { jar.toUri().toURL() },
                        getClass().getClassLoader())) {
            this.runner.withClassLoader(classLoader)
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(),
                        "kvstore.etcd.tls.ca-certificate=classpath:etcd-tls/"
                                + certificates.caCertificate().getFileName(),
                        "kvstore.etcd.tls.client-certificate=classpath:etcd-tls/"
                                + certificates.clientCertificate().getFileName(),
                        "kvstore.etcd.tls.client-key=classpath:etcd-tls/" + certificates.clientKey().getFileName())
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    KVStore store = context.getBean(KVStore.class);
                    store.set("from-jar", "yes");
                    assertThat(store.get("from-jar")).contains("yes");
                });
        }
    }

    @Test
    void userAndPasswordFromProperties() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            EtcdAuth.enableWithRoot(server.endpoint(), "root-secret");
            this.runner
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.user=root",
                        "kvstore.etcd.password=root-secret")
                .run((context) -> {
                    KVStore store = context.getBean(KVStore.class);
                    store.set("authenticated", "yes");
                    assertThat(store.get("authenticated")).contains("yes");
                });
            this.runner
                .withPropertyValues("kvstore.etcd.endpoints=" + server.endpoint(), "kvstore.etcd.user=root",
                        "kvstore.etcd.password=wrong")
                .run((context) -> assertThatExceptionOfType(KVStoreStartupException.class).as("wrong password")
                    .isThrownBy(context.getBean(ManagedKVStore.class)::awaitStarted)
                    .satisfies((ex) -> assertThat(ex.action()).contains("kvstore.etcd.user", "kvstore.etcd.password")));
        }
    }

}
