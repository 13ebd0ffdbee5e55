package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreLimitException;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Backend selection, back-off and lifecycle of the auto-configured store, against real TCPStore masters. */
class KVStoreAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class));

    @Test
    void tcpIsTheDefaultBackendAndRankZeroHostsTheMaster() {
        this.runner.withPropertyValues("kvstore.tcp.port=0").run((master) -> {
            assertThat(master).hasSingleBean(KVStore.class);
            int port = masterPort(master);
            ManagedKVStore store = master.getBean(ManagedKVStore.class);
            assertThat(store.delegate()).isInstanceOf(TcpKVStore.class);
            assertThat(store.backend()).isEqualTo("tcp");
            assertThat(store.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
            assertThat(store.namespace()).isEqualTo("default");
            assertThat(store.component()).isEqualTo("tensorbus");
            store.set("greeting", "hello");
            // A second application, rank 1, is a client of that master and sees the value.
            this.runner.withPropertyValues("kvstore.tcp.port=" + port, "kvstore.rank=1").run((client) -> {
                ManagedKVStore clientStore = client.getBean(ManagedKVStore.class);
                assertThat(clientStore.endpoint()).isEqualTo("127.0.0.1:" + port);
                assertThat(clientStore.get("greeting")).contains("hello");
            });
        });
    }

    @Test
    void masterOnPortZeroReportsThePortItsServerPicked() {
        this.runner.withPropertyValues("kvstore.tcp.port=0").run((context) -> {
            ManagedKVStore store = context.getBean(ManagedKVStore.class);
            int port = ((TcpKVStore) store.delegate()).port();
            assertThat(port).isPositive();
            assertThat(store.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
        });
    }

    @Test
    void theServerLimitsFromPropertiesHoldOnTheMasterAndEveryClientBeforeSending() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.server.max-value-size=16B")
            .run((context) -> {
                assertValueLimitIs16Bytes(context);
                int port = masterPort(context);
                this.runner
                    .withPropertyValues("kvstore.tcp.port=" + port, "kvstore.rank=1",
                            "kvstore.tcp.server.max-value-size=16B")
                    .run((client) -> assertThatExceptionOfType(KVStoreLimitException.class)
                        .isThrownBy(() -> client.getBean(KVStore.class).setBytes("too-big", new byte[17])));
            });
    }

    @Test
    void serverLimitsFromPropertiesSurviveACustomizerChangingAnotherLimit() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.server.max-value-size=16B")
            .withUserConfiguration(OneLimitCustomizer.class)
            .run(KVStoreAutoConfigurationTests::assertValueLimitIs16Bytes);
    }

    /** The client refuses a longer value before sending, and the master's server refuses it from a raw client. */
    private static void assertValueLimitIs16Bytes(ApplicationContext context) {
        KVStore store = context.getBean(KVStore.class);
        store.setBytes("fits", new byte[16]);
        assertThatExceptionOfType(KVStoreLimitException.class)
            .isThrownBy(() -> store.setBytes("too-big", new byte[17]))
            .withMessageContaining("kvstore.tcp.server.max-value-size");
        int port = masterPort(context);
        try (TcpStoreClient raw = TcpStoreClient.connect("127.0.0.1", port, Duration.ofSeconds(10))) {
            raw.set("/raw-too-big", new byte[17]);
            // SET has no reply: the server's refusal shows as the connection it closed.
            assertThatExceptionOfType(KVStoreConnectionException.class).isThrownBy(raw::numKeys);
        }
        assertThat(store.exists("too-big")).isFalse();
        assertThat(store.exists("fits")).isTrue();
    }

    @Test
    void aClientDetectsTheMastersProtocolAndAWrongExplicitOneFailsStartupNamingTheProperty() {
        this.runner.withPropertyValues("kvstore.tcp.port=0").run((master) -> {
            int port = masterPort(master);
            this.runner.withPropertyValues("kvstore.tcp.port=" + port, "kvstore.rank=1").run((client) -> {
                TcpKVStore store = (TcpKVStore) client.getBean(ManagedKVStore.class).delegate();
                assertThat(store.protocol()).contains(TcpProtocol.MODERN);
            });
            // The Java master serves legacy clients with the LEGACY numbering (kvstore.tcp.server-legacy-protocol).
            this.runner.withPropertyValues("kvstore.tcp.port=" + port, "kvstore.rank=1", "kvstore.tcp.protocol=v2_1")
                .run((client) -> {
                    // The store starts (and fails) in the context's lifecycle, with a report naming the property.
                    assertThatExceptionOfType(KVStoreStartupException.class)
                        .isThrownBy(client.getBean(ManagedKVStore.class)::awaitStarted)
                        .havingRootCause()
                        .withMessageContaining("does not serve the V2_1 protocol chosen by kvstore.tcp.protocol")
                        .withMessageContaining("to auto (the default) or legacy");
                });
        });
    }

    @Test
    void backendNameIsCaseInsensitive() {
        this.runner.withPropertyValues("kvstore.backend=TCP", "kvstore.tcp.port=0")
            .run((context) -> assertThat(context.getBean(ManagedKVStore.class).backend()).isEqualTo("tcp"));
    }

    @Test
    void applicationKVStoreBeanWins() {
        this.runner.withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.endpoints=http://127.0.0.1:1")
            .withBean("myStore", KVStore.class,
                    () -> TcpKVStore.builder().port(0).master(true).namespace("mine").build())
            .run((context) -> {
                assertThat(context).hasNotFailed().hasSingleBean(KVStore.class).doesNotHaveBean(ManagedKVStore.class);
                assertThat(context.getBean(KVStore.class).namespace()).isEqualTo("mine");
            });
    }

    @Test
    void builderCustomizersRunBeforeTheStoreConnects() {
        this.runner.withPropertyValues("kvstore.tcp.port=0")
            .withUserConfiguration(CustomizerConfiguration.class)
            .run((context) -> assertThat(context.getBean(KVStore.class).namespace()).isEqualTo("customized"));
    }

    @Test
    void propertiesSetNamespaceAndComponent() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.namespace=job-7", "kvstore.component=rdzv")
            .run((context) -> {
                KVStore store = context.getBean(KVStore.class);
                assertThat(store.namespace()).isEqualTo("job-7");
                assertThat(store.component()).isEqualTo("rdzv");
            });
    }

    @Test
    void withoutJetcdTheTcpBackendStillWorks() {
        this.runner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
            .withPropertyValues("kvstore.tcp.port=0")
            .run((context) -> assertThat(context.getBean(ManagedKVStore.class).backend()).isEqualTo("tcp"));
    }

    @Test
    void etcdBackendWithoutJetcdFailsStartupWithAClearMessage() {
        this.runner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
            .withPropertyValues("kvstore.backend=etcd")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(KVStorePropertiesTests.fullMessage(context.getStartupFailure()))
                    .contains("kvstore.backend").contains("io.etcd:jetcd-core");
            });
    }

    @Test
    void storeIsClosedWhenTheContextShutsDown() {
        AtomicReference<ManagedKVStore> store = new AtomicReference<>();
        int[] port = new int[1];
        this.runner.withPropertyValues("kvstore.tcp.port=0").run((context) -> {
            store.set(context.getBean(ManagedKVStore.class));
            store.get().awaitStarted();
            port[0] = masterPort(context);
        });
        assertThatIllegalStateException().isThrownBy(() -> store.get().exists("anything"))
            .withMessageContaining("closed");
        // The master released its port: a new master can bind it.
        this.runner.withPropertyValues("kvstore.tcp.port=" + port[0])
            .run((context) -> assertThat(context).hasNotFailed());
    }

    /** The port the master of the context's store bound (its {@code kvstore.tcp.port} is 0). */
    private static int masterPort(ApplicationContext context) {
        return ((TcpKVStore) context.getBean(ManagedKVStore.class).delegate()).port();
    }

    @Test
    void invalidTorchrunEnvironmentFailsStartupNamingTheVariable() {
        this.runner.withPropertyValues("RANK=first").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(KVStorePropertiesTests.fullMessage(context.getStartupFailure())).contains("RANK")
                .contains("first");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OneLimitCustomizer {

        @Bean
        TcpKVStoreBuilderCustomizer oneLimit() {
            return (builder) -> builder.server((server) -> server.maxKeysPerRequest(1000));
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class CustomizerConfiguration {

        @Bean
        TcpKVStoreBuilderCustomizer namespaceCustomizer() {
            return (builder) -> builder.namespace("customized");
        }

    }

}
