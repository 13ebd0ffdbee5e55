package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.ProtocolGeneration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** Binding of {@code kvstore.*} and the validation errors an invalid value produces at startup. */
class KVStorePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withUserConfiguration(PropertiesConfiguration.class);

    @Test
    void defaultsAreTcpWithTheSeedsLayout() {
        this.runner.run((context) -> {
            KVStoreProperties properties = context.getBean(KVStoreProperties.class);
            assertThat(properties.getBackend()).isEqualTo(KVStoreProperties.Backend.TCP);
            assertThat(properties.getNamespace()).isEqualTo("default");
            assertThat(properties.getComponent()).isEqualTo("tensorbus");
            assertThat(properties.getRank()).isNull();
            assertThat(properties.isCleanup()).isFalse();
            assertThat(properties.getTcp().getTimeout()).isEqualTo(Duration.ofSeconds(300));
            assertThat(properties.getTcp().isWaitForWorkers()).isTrue();
            assertThat(properties.getTcp().getProtocol()).isEqualTo(ProtocolGeneration.MODERN);
            assertThat(properties.getTcp().getServer().getMaxValueSize()).isEqualTo(DataSize.ofMegabytes(8));
            assertThat(properties.getTcp().getServer().getMaxStoreSize()).isEqualTo(DataSize.ofGigabytes(1));
            assertThat(properties.getTcp().getServer().getMaxPendingSize()).isEqualTo(DataSize.ofMegabytes(256));
            assertThat(properties.getTcp().getServer().getPartialRequestTimeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(properties.getEtcd().effectiveEndpoints()).containsExactly("http://127.0.0.1:2379");
            assertThat(properties.getEtcd().getConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(properties.getEtcd().getRequestTimeout()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void bindsEveryProperty() {
        this.runner
            .withPropertyValues("kvstore.backend=etcd", "kvstore.namespace=job-42", "kvstore.component=trainer",
                    "kvstore.rank=3", "kvstore.cleanup=true",
                    "kvstore.etcd.endpoints=http://10.0.0.1:2379,https://10.0.0.2:2379",
                    "kvstore.etcd.connect-timeout=2s", "kvstore.etcd.request-timeout=750ms",
                    "kvstore.etcd.user=alice", "kvstore.etcd.password=secret",
                    "kvstore.etcd.tls.ca-certificate=/etc/etcd/ca.pem",
                    "kvstore.etcd.tls.client-certificate=/etc/etcd/client.pem",
                    "kvstore.etcd.tls.client-key=/etc/etcd/client-key.pem", "kvstore.tcp.host=10.1.1.1",
                    "kvstore.tcp.port=29600", "kvstore.tcp.world-size=8", "kvstore.tcp.master=false",
                    "kvstore.tcp.timeout=1m", "kvstore.tcp.wait-for-workers=false", "kvstore.tcp.protocol=legacy",
                    "kvstore.tcp.server-legacy-protocol=v2-1", "kvstore.tcp.server.max-key-size=1KB",
                    "kvstore.tcp.server.max-value-size=2MB", "kvstore.tcp.server.max-keys-per-request=64",
                    "kvstore.tcp.server.max-request-size=16MB", "kvstore.tcp.server.max-store-size=256MB",
                    "kvstore.tcp.server.max-pending-size=32MB", "kvstore.tcp.server.partial-request-timeout=15s")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                KVStoreProperties properties = context.getBean(KVStoreProperties.class);
                assertThat(properties.getBackend()).isEqualTo(KVStoreProperties.Backend.ETCD);
                assertThat(properties.getNamespace()).isEqualTo("job-42");
                assertThat(properties.getComponent()).isEqualTo("trainer");
                assertThat(properties.getRank()).isEqualTo(3);
                assertThat(properties.isCleanup()).isTrue();
                KVStoreProperties.Etcd etcd = properties.getEtcd();
                assertThat(etcd.effectiveEndpoints()).containsExactly("http://10.0.0.1:2379", "https://10.0.0.2:2379");
                assertThat(etcd.getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
                assertThat(etcd.getRequestTimeout()).isEqualTo(Duration.ofMillis(750));
                assertThat(etcd.getUser()).isEqualTo("alice");
                assertThat(etcd.getPassword()).isEqualTo("secret");
                assertThat(etcd.getTls().getCaCertificate()).isEqualTo(Path.of("/etc/etcd/ca.pem"));
                assertThat(etcd.getTls().getClientCertificate()).isEqualTo(Path.of("/etc/etcd/client.pem"));
                assertThat(etcd.getTls().getClientKey()).isEqualTo(Path.of("/etc/etcd/client-key.pem"));
                KVStoreProperties.Tcp tcp = properties.getTcp();
                assertThat(tcp.getHost()).isEqualTo("10.1.1.1");
                assertThat(tcp.getPort()).isEqualTo(29600);
                assertThat(tcp.getWorldSize()).isEqualTo(8);
                assertThat(tcp.getMaster()).isFalse();
                assertThat(tcp.getTimeout()).isEqualTo(Duration.ofMinutes(1));
                assertThat(tcp.isWaitForWorkers()).isFalse();
                assertThat(tcp.getProtocol()).isEqualTo(ProtocolGeneration.LEGACY);
                assertThat(tcp.getServerLegacyProtocol()).isEqualTo(ProtocolGeneration.V2_1);
                KVStoreProperties.Tcp.Server server = tcp.getServer();
                assertThat(server.getMaxKeySize()).isEqualTo(DataSize.ofKilobytes(1));
                assertThat(server.getMaxValueSize()).isEqualTo(DataSize.ofMegabytes(2));
                assertThat(server.getMaxKeysPerRequest()).isEqualTo(64);
                assertThat(server.getMaxRequestSize()).isEqualTo(DataSize.ofMegabytes(16));
                assertThat(server.getMaxStoreSize()).isEqualTo(DataSize.ofMegabytes(256));
                assertThat(server.getMaxPendingSize()).isEqualTo(DataSize.ofMegabytes(32));
                assertThat(server.getPartialRequestTimeout()).isEqualTo(Duration.ofSeconds(15));
            });
    }

    @Test
    void etcdEndpointIsBuiltFromHostAndPortWhenNoEndpointsAreSet() {
        this.runner.withPropertyValues("kvstore.etcd.host=etcd.internal", "kvstore.etcd.port=12379")
            .run((context) -> assertThat(context.getBean(KVStoreProperties.class).getEtcd().effectiveEndpoints())
                .isEqualTo(List.of("http://etcd.internal:12379")));
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource(delimiter = '|', textBlock = """
            kvstore.tcp.world-size=0                       | kvstore.tcp.world-size
            kvstore.tcp.port=70000                         | kvstore.tcp.port
            kvstore.tcp.port=-1                            | kvstore.tcp.port
            kvstore.tcp.timeout=0s                         | kvstore.tcp.timeout
            kvstore.tcp.server-legacy-protocol=modern      | kvstore.tcp.server-legacy-protocol
            kvstore.tcp.server.max-value-size=0B           | kvstore.tcp.server.max-value-size
            kvstore.tcp.server.max-key-size=4GB            | kvstore.tcp.server.max-key-size
            kvstore.tcp.server.max-keys-per-request=0      | kvstore.tcp.server.max-keys-per-request
            kvstore.tcp.server.max-store-size=0B           | kvstore.tcp.server.max-store-size
            kvstore.tcp.server.max-pending-size=0B         | kvstore.tcp.server.max-pending-size
            kvstore.tcp.server.partial-request-timeout=0s  | kvstore.tcp.server.partial-request-timeout
            kvstore.backend=redis                          | kvstore.backend
            kvstore.namespace=a/b                          | kvstore.namespace
            kvstore.component=                             | kvstore.component
            kvstore.rank=-1                                | kvstore.rank
            kvstore.etcd.endpoints=localhost:2379          | kvstore.etcd.endpoints[0]
            kvstore.etcd.endpoints=http://localhost        | kvstore.etcd.endpoints[0]
            kvstore.etcd.endpoints=https://localhost:2379  | kvstore.etcd.tls.ca-certificate
            kvstore.etcd.port=0                            | kvstore.etcd.port
            kvstore.etcd.request-timeout=-1s               | kvstore.etcd.request-timeout
            kvstore.etcd.password=secret                   | kvstore.etcd.user
            kvstore.etcd.tls.client-certificate=/c.pem     | kvstore.etcd.tls.client-key
            """)
    void invalidValueFailsStartupNamingTheProperty(String property, String expectedName) {
        this.runner.withPropertyValues(property).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains(expectedName);
        });
    }

    @Test
    void rankMustBeLessThanWorldSize() {
        this.runner.withPropertyValues("kvstore.rank=4", "kvstore.tcp.world-size=4").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains("kvstore.rank")
                .contains("must be less than kvstore.tcp.world-size (4)");
        });
    }

    @Test
    void portZeroIsRejectedForAClient() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.master=false").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains("kvstore.tcp.port")
                .contains("only valid for a master");
        });
    }

    static String fullMessage(Throwable failure) {
        StringBuilder message = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            message.append(t.getMessage()).append('\n');
        }
        return message.toString();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(KVStoreProperties.class)
    static class PropertiesConfiguration {

    }

}
