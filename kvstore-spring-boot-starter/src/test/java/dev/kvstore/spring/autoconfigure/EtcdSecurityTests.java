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
import java.nio.file.Path;
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
