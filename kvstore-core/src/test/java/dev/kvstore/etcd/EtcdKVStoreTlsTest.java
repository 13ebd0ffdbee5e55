package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdTlsServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestCertificates;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TLS with client certificates (mutual TLS) on a real etcd; certificates made by openssl for the test. */
@RequiresEtcd
class EtcdKVStoreTlsTest {

    @RegisterExtension
    static final EtcdTlsServerExtension etcd = new EtcdTlsServerExtension();

    private static TestCertificates certificates;
    private static EtcdServer server;

    @BeforeAll
    static void useTlsServer() {
        certificates = etcd.certificates();
        server = etcd.server();
    }

    private static EtcdKVStore.Builder tls() {
        return EtcdKVStore.builder().endpoints(server.endpoint()).caCertificate(certificates.caCertificate())
                .connectTimeout(Duration.ofSeconds(30)).namespace("tls-" + System.nanoTime());
    }

    @Test
    void mutualTlsRoundTripAndWait() {
        assertThat(server.endpoint()).startsWith("https://");
        try (EtcdKVStore store = tls()
                .clientCertificate(certificates.clientCertificate(), certificates.clientKey()).build()) {
            store.set("secure", "yes");
            assertThat(store.waitForKey("secure", Duration.ofSeconds(10))).isEqualTo("yes".getBytes());
            assertThat(store.clusterStatus(Duration.ofSeconds(5)).hasLeader()).isTrue();
        }
    }

    @Test
    void withoutAClientCertificateTheServerRefuses() {
        assertThatThrownBy(() -> tls().connectTimeout(Duration.ofSeconds(2)).build())
                .isInstanceOf(KVStoreException.class)
                .hasMessageContaining(server.endpoint());
    }

    @Test
    void plainHttpToATlsServerIsRejectedAtConfiguration() {
        String plain = server.endpoint().replace("https://", "http://");
        assertThatThrownBy(() -> EtcdKVStore.builder().endpoints(plain).caCertificate(certificates.caCertificate())
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use https");
    }
}
