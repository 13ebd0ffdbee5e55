package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** Binding of {@code kvstore.*} and the validation errors an invalid value produces at startup. */
@ExtendWith(OutputCaptureExtension.class)
class KVStorePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withUserConfiguration(PropertiesConfiguration.class);

    /** The builders validate: a rejected value needs the store's configuration to be reported. */
    private final ApplicationContextRunner storeRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class));

    @Test
    void defaultsAreTcpWithTheSeedsLayout() {
        this.runner.run((context) -> {
            KVStoreProperties properties = context.getBean(KVStoreProperties.class);
            assertThat(properties.getBackend()).isEqualTo(KVStoreProperties.Backend.TCP);
            assertThat(properties.getNamespace()).isEqualTo("default");
            assertThat(properties.getComponent()).isEqualTo("tensorbus");
            assertThat(properties.getRank()).isNull();
            assertThat(properties.isCleanup()).isFalse();
            assertThat(properties.getTcp().getConnectTimeout()).isEqualTo(Duration.ofSeconds(300));
            assertThat(properties.getTcp().getRequestTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(properties.getTcp().getWorkerWaitTimeout()).isEqualTo(Duration.ofSeconds(300));
            assertThat(properties.getTcp().isWaitForWorkers()).isTrue();
            assertThat(properties.getTcp().getProtocol()).isEqualTo(TcpProtocol.AUTO);
            assertThat(properties.getTcp().getServer().getMaxValueSize()).isEqualTo(DataSize.ofMegabytes(8));
            assertThat(properties.getTcp().getServer().getMaxStoreSize()).isEqualTo(DataSize.ofGigabytes(1));
            assertThat(properties.getTcp().getServer().getMaxPendingSize()).isEqualTo(DataSize.ofMegabytes(256));
            assertThat(properties.getTcp().getServer().getMaxMemorySize()).as("derived from the heap").isNull();
            assertThat(properties.getTcp().getServer().getPartialRequestTimeout()).isEqualTo(Duration.ofSeconds(60));
            assertThat(properties.getTcp().getServer().getStallLogInterval()).isEqualTo(Duration.ofSeconds(60));
            assertThat(properties.getTcp().getServer().getStallThreshold()).isEqualTo(Duration.ofSeconds(60));
            assertThat(new PropertiesEtcdConnectionDetails(properties, null, context).getEndpoints())
                .containsExactly("http://127.0.0.1:2379");
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
                    "kvstore.tcp.connect-timeout=2m", "kvstore.tcp.request-timeout=3s",
                    "kvstore.tcp.worker-wait-timeout=4m", "kvstore.tcp.wait-for-workers=false", "kvstore.tcp.protocol=legacy",
                    "kvstore.tcp.server-legacy-protocol=v2-1", "kvstore.tcp.server.max-key-size=1KB",
                    "kvstore.tcp.server.max-value-size=2MB", "kvstore.tcp.server.max-keys-per-request=64",
                    "kvstore.tcp.server.max-request-size=16MB", "kvstore.tcp.server.max-store-size=256MB",
                    "kvstore.tcp.server.max-pending-size=32MB", "kvstore.tcp.server.partial-request-timeout=15s",
                    "kvstore.tcp.server.stall-log-interval=2m", "kvstore.tcp.server.stall-threshold=90s",
                    "kvstore.tcp.server.max-memory-size=48MB")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                KVStoreProperties properties = context.getBean(KVStoreProperties.class);
                assertThat(properties.getBackend()).isEqualTo(KVStoreProperties.Backend.ETCD);
                assertThat(properties.getNamespace()).isEqualTo("job-42");
                assertThat(properties.getComponent()).isEqualTo("trainer");
                assertThat(properties.getRank()).isEqualTo(3);
                assertThat(properties.isCleanup()).isTrue();
                KVStoreProperties.Etcd etcd = properties.getEtcd();
                assertThat(etcd.getEndpoints()).containsExactly("http://10.0.0.1:2379", "https://10.0.0.2:2379");
                assertThat(etcd.getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
                assertThat(etcd.getRequestTimeout()).isEqualTo(Duration.ofMillis(750));
                assertThat(etcd.getUser()).isEqualTo("alice");
                assertThat(etcd.getPassword()).isEqualTo("secret");
                assertThat(etcd.getTls().getCaCertificate()).isEqualTo("/etc/etcd/ca.pem");
                assertThat(etcd.getTls().getClientCertificate()).isEqualTo("/etc/etcd/client.pem");
                assertThat(etcd.getTls().getClientKey()).isEqualTo("/etc/etcd/client-key.pem");
                KVStoreProperties.Tcp tcp = properties.getTcp();
                assertThat(tcp.getHost()).isEqualTo("10.1.1.1");
                assertThat(tcp.getPort()).isEqualTo(29600);
                assertThat(tcp.getWorldSize()).isEqualTo(8);
                assertThat(tcp.getMaster()).isFalse();
                assertThat(tcp.getConnectTimeout()).isEqualTo(Duration.ofMinutes(2));
                assertThat(tcp.getRequestTimeout()).isEqualTo(Duration.ofSeconds(3));
                assertThat(tcp.getWorkerWaitTimeout()).isEqualTo(Duration.ofMinutes(4));
                assertThat(tcp.isWaitForWorkers()).isFalse();
                assertThat(tcp.getProtocol()).isEqualTo(TcpProtocol.LEGACY);
                assertThat(tcp.getServerLegacyProtocol()).isEqualTo(TcpProtocol.V2_1);
                KVStoreProperties.Tcp.Server server = tcp.getServer();
                assertThat(server.getMaxKeySize()).isEqualTo(DataSize.ofKilobytes(1));
                assertThat(server.getMaxValueSize()).isEqualTo(DataSize.ofMegabytes(2));
                assertThat(server.getMaxKeysPerRequest()).isEqualTo(64);
                assertThat(server.getMaxRequestSize()).isEqualTo(DataSize.ofMegabytes(16));
                assertThat(server.getMaxStoreSize()).isEqualTo(DataSize.ofMegabytes(256));
                assertThat(server.getMaxPendingSize()).isEqualTo(DataSize.ofMegabytes(32));
                assertThat(server.getMaxMemorySize()).isEqualTo(DataSize.ofMegabytes(48));
                assertThat(server.getPartialRequestTimeout()).isEqualTo(Duration.ofSeconds(15));
                assertThat(server.getStallLogInterval()).isEqualTo(Duration.ofMinutes(2));
                assertThat(server.getStallThreshold()).isEqualTo(Duration.ofSeconds(90));
            });
    }

    @Test
    void etcdEndpointIsBuiltFromHostAndPortWhenNoEndpointsAreSet() {
        this.runner.withPropertyValues("kvstore.etcd.host=etcd.internal", "kvstore.etcd.port=12379")
            .run((context) -> assertThat(new PropertiesEtcdConnectionDetails(context.getBean(KVStoreProperties.class),
                    null, context).getEndpoints())
                .isEqualTo(List.of("http://etcd.internal:12379")));
    }

    @Test
    void everyDefaultEqualsTheLibraryDefault() throws Exception {
        KVStoreProperties properties = new KVStoreProperties();
        KVStoreProperties.Tcp tcp = properties.getTcp();
        Object tcpBuilder = TcpKVStore.builder();
        assertThat(properties.getNamespace()).isEqualTo(field(tcpBuilder, "namespace"));
        assertThat(properties.getComponent()).isEqualTo(field(tcpBuilder, "component"));
        assertThat(tcp.getConnectTimeout()).isEqualTo(field(tcpBuilder, "connectTimeout"))
            .isEqualTo(TcpKVStore.DEFAULT_CONNECT_TIMEOUT);
        assertThat(tcp.getRequestTimeout()).isEqualTo(field(tcpBuilder, "requestTimeout"))
            .isEqualTo(TcpKVStore.DEFAULT_REQUEST_TIMEOUT);
        assertThat(tcp.getWorkerWaitTimeout()).isEqualTo(field(tcpBuilder, "workerWaitTimeout"))
            .isEqualTo(TcpKVStore.DEFAULT_WORKER_WAIT_TIMEOUT);
        assertThat(tcp.isWaitForWorkers()).isEqualTo(field(tcpBuilder, "waitForWorkers"));
        assertThat(tcp.getProtocol()).isEqualTo(field(tcpBuilder, "protocol"));
        assertThat(tcp.getServerLegacyProtocol()).isEqualTo(field(tcpBuilder, "serverLegacyProtocol"));
        assertThat(PropertiesTcpConnectionDetails.DEFAULT_HOST).isEqualTo(field(tcpBuilder, "host"));
        assertThat(PropertiesTcpConnectionDetails.DEFAULT_PORT).isEqualTo(field(tcpBuilder, "port"));
        Object server = TcpStoreServer.builder();
        KVStoreProperties.Tcp.Server limits = tcp.getServer();
        assertThat(limits.getMaxKeySize().toBytes()).isEqualTo(((Number) field(server, "maxKeyBytes")).longValue());
        assertThat(limits.getMaxValueSize().toBytes())
            .isEqualTo(((Number) field(server, "maxValueBytes")).longValue());
        assertThat(limits.getMaxKeysPerRequest()).isEqualTo(field(server, "maxKeysPerRequest"));
        assertThat(limits.getMaxRequestSize().toBytes())
            .isEqualTo(((Number) field(server, "maxRequestBytes")).longValue());
        assertThat(limits.getMaxStoreSize().toBytes())
            .isEqualTo(((Number) field(server, "maxStoreBytes")).longValue());
        Object etcdBuilder = EtcdKVStore.builder();
        assertThat(properties.getEtcd().getConnectTimeout()).isEqualTo(field(etcdBuilder, "connectTimeout"));
        assertThat(properties.getEtcd().getRequestTimeout()).isEqualTo(field(etcdBuilder, "requestTimeout"));
    }

    private static Object field(Object builder, String name) throws ReflectiveOperationException {
        // The builders keep their settings in fields of a superclass (TcpKVStoreSettings): search up the hierarchy.
        for (Class<?> type = builder.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(builder);
            }
            catch (NoSuchFieldException ex) {
                // declared further up
            }
        }
        throw new NoSuchFieldException(name + " in " + builder.getClass().getName() + " or its superclasses");
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource(delimiter = '|', textBlock = """
            kvstore.tcp.world-size=0                       | kvstore.tcp.world-size
            kvstore.tcp.port=70000                         | kvstore.tcp.port
            kvstore.tcp.port=-1                            | kvstore.tcp.port
            kvstore.tcp.request-timeout=0s                 | kvstore.tcp.request-timeout
            kvstore.tcp.connect-timeout=-1s                | kvstore.tcp.connect-timeout
            kvstore.tcp.worker-wait-timeout=0s             | kvstore.tcp.worker-wait-timeout
            kvstore.tcp.server-legacy-protocol=modern      | kvstore.tcp.server-legacy-protocol
            kvstore.tcp.server.max-value-size=0B           | kvstore.tcp.server.max-value-size
            kvstore.tcp.server.max-key-size=0B             | kvstore.tcp.server.max-key-size
            kvstore.tcp.server.max-request-size=0B         | kvstore.tcp.server.max-request-size
            kvstore.tcp.host=                              | kvstore.tcp.host
            kvstore.tcp.server.max-key-size=4GB            | kvstore.tcp.server.max-key-size
            kvstore.tcp.server.max-keys-per-request=0      | kvstore.tcp.server.max-keys-per-request
            kvstore.tcp.server.max-store-size=0B           | kvstore.tcp.server.max-store-size
            kvstore.tcp.server.max-pending-size=0B         | kvstore.tcp.server.max-pending-size
            kvstore.tcp.server.max-memory-size=0B          | kvstore.tcp.server.max-memory-size
            kvstore.tcp.server.partial-request-timeout=0s  | kvstore.tcp.server.partial-request-timeout
            kvstore.tcp.server.stall-log-interval=0s       | kvstore.tcp.server.stall-log-interval
            kvstore.tcp.server.stall-threshold=-1s         | kvstore.tcp.server.stall-threshold
            kvstore.backend=redis                          | kvstore.backend
            kvstore.namespace=a/b                          | kvstore.namespace
            kvstore.component=                             | kvstore.component
            kvstore.rank=-1                                | kvstore.rank
            """)
    void invalidValueFailsStartupNamingTheProperty(String property, String expectedName) {
        String port = property.startsWith("kvstore.tcp.port") ? property : "kvstore.tcp.port=0";
        this.storeRunner.withPropertyValues(property, port).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains(expectedName);
        });
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource(delimiter = '|', textBlock = """
            kvstore.etcd.request-timeout=-1s               | kvstore.etcd.request-timeout
            kvstore.etcd.connect-timeout=0s                | kvstore.etcd.connect-timeout
            kvstore.etcd.port=0                            | kvstore.etcd.port
            kvstore.namespace=a/b                          | kvstore.namespace
            kvstore.component=a/b                          | kvstore.component
            kvstore.etcd.tls.client-certificate=/c.pem     | kvstore.etcd.tls.ca-certificate
            kvstore.etcd.tls.ca-certificate=/no/such.pem   | kvstore.etcd.tls.ca-certificate
            kvstore.etcd.tls.ca-certificate=classpath:none | kvstore.etcd.tls.ca-certificate
            """)
    void invalidEtcdValueFailsStartupNamingTheProperty(String property, String expectedName) {
        this.storeRunner.withPropertyValues("kvstore.backend=etcd", property).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains(expectedName);
        });
    }

    /**
     * What the etcd builder checks only when it builds (in the lifecycle) fails the start with the builder's reason and
     * an action naming the properties those checks concern.
     */
    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource(delimiter = '|', textBlock = """
            kvstore.etcd.endpoints=localhost:2379          | invalid etcd endpoint 'localhost:2379'
            kvstore.etcd.endpoints=https://localhost:2379  | uses https
            kvstore.etcd.password=secret                   | needs both user and password
            kvstore.etcd.user=alice                        | needs both user and password
            """)
    void invalidEtcdSettingFailsTheStartNamingTheProperties(String property, String reason) {
        this.storeRunner.withPropertyValues("kvstore.backend=etcd", property).run((context) -> {
            assertThat(context).hasNotFailed();
            ManagedKVStore store = context.getBean(ManagedKVStore.class);
            assertThatExceptionOfType(KVStoreStartupException.class).isThrownBy(store::awaitStarted)
                .satisfies((ex) -> assertThat(ex.description()).contains(reason))
                .satisfies((ex) -> assertThat(ex.action()).contains("kvstore.etcd.endpoints", "kvstore.etcd.tls.",
                        "kvstore.etcd.user", "kvstore.etcd.password"));
        });
    }

    @ParameterizedTest(name = "kvstore.tcp.protocol={0}")
    @CsvSource(delimiter = '|', textBlock = """
            auto   | AUTO
            AUTO   | AUTO
            legacy | LEGACY
            v2_1   | V2_1
            V2_1   | V2_1
            v2-1   | V2_1
            modern | MODERN
            MODERN | MODERN
            """)
    void protocolAcceptsAutoAndEveryGenerationInAnySpelling(String value, TcpProtocol expected) {
        this.runner.withPropertyValues("kvstore.tcp.protocol=" + value)
            .run((context) -> assertThat(context.getBean(KVStoreProperties.class).getTcp().getProtocol())
                .isEqualTo(expected));
    }

    @Test
    void aClientCertificateWithoutItsKeyFailsNamingTheKey() {
        this.storeRunner
            .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.tls.ca-certificate=/etc/etcd/ca.pem",
                    "kvstore.etcd.tls.client-certificate=/etc/etcd/client.pem")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(fullMessage(context.getStartupFailure())).contains("kvstore.etcd.tls.client-key")
                    .contains("mutual TLS needs both");
            });
    }

    @ParameterizedTest(name = "{0} warns")
    @CsvSource(delimiter = '|', textBlock = """
            kvstore.tcp.connect-timeout=10                  | kvstore.tcp.connect-timeout=10ms
            kvstore.tcp.request-timeout=99ms                | kvstore.tcp.request-timeout=99ms
            kvstore.tcp.worker-wait-timeout=5               | kvstore.tcp.worker-wait-timeout=5ms
            kvstore.tcp.server.partial-request-timeout=50   | kvstore.tcp.server.partial-request-timeout=50ms
            """)
    void aTimeoutUnder100msWarnsAtStartupNamingTheProperty(String property, String expected, CapturedOutput output) {
        this.storeRunner.withPropertyValues(property, "kvstore.tcp.port=0").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(output).containsOnlyOnce(expected + " is under 100ms, almost surely a mistake: a bare number "
                    + "in a duration property is read as milliseconds");
        });
    }

    @Test
    void etcdTimeoutsUnder100msWarnToo(CapturedOutput output) {
        this.storeRunner
            .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.request-timeout=10",
                    "kvstore.etcd.connect-timeout=5s")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(output).contains("kvstore.etcd.request-timeout=10ms is under 100ms")
                    .doesNotContain("kvstore.etcd.connect-timeout=");
            });
    }

    @Test
    void theDefaultsDoNotWarn(CapturedOutput output) {
        this.storeRunner.withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(output).doesNotContain("is under 100ms"));
    }

    @Test
    void rankMustBeLessThanWorldSize() {
        this.storeRunner.withPropertyValues("kvstore.rank=4", "kvstore.tcp.world-size=4").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(fullMessage(context.getStartupFailure())).contains("kvstore.rank")
                .contains("must be less than the world size 4");
        });
    }

    @Test
    void portZeroIsRejectedForAClient() {
        this.storeRunner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.master=false").run((context) -> {
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
