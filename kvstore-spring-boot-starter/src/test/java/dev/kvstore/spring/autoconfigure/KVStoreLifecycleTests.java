package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.FreePorts;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The store starts in the context's lifecycle: a context comes up without its master, calls wait for the store
 * within their own bounds, closing the context aborts a start, a master on port 0 publishes its port.
 */
class KVStoreLifecycleTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class));

    @Test
    void contextStartsWithoutItsMasterAndCallsWaitUntilTheStoreIsReady() {
        int port = FreePorts.pick(); // nobody listens yet
        this.runner.withPropertyValues("kvstore.rank=1", "kvstore.tcp.port=" + port).run((context) -> {
            assertThat(context).hasNotFailed();
            ManagedKVStore store = context.getBean(ManagedKVStore.class);
            assertThat(store.startup().isReady()).isFalse();
            await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(store.startup().progress()).contains("connecting to 127.0.0.1:" + port));
            try (TcpKVStore master = TcpKVStore.builder().master(true).port(port).build()) {
                store.set("k", "v"); // waits for the connect, within the request timeout
                assertThat(master.get("k")).contains("v");
                assertThat(store.startup().isReady()).isTrue();
            }
        });
    }

    @Test
    void callBeforeTheStoreIsReadyFailsWithinTheRequestTimeoutSayingWhy() {
        int port = FreePorts.pick();
        this.runner.withPropertyValues("kvstore.rank=1", "kvstore.tcp.port=" + port,
                "kvstore.tcp.request-timeout=300ms").run((context) -> {
                    KVStore store = context.getBean(KVStore.class);
                    assertThatExceptionOfType(KVStoreTimeoutException.class).isThrownBy(() -> store.exists("k"))
                        .withMessageContaining("PT0.3S")
                        .withMessageContaining("not ready yet")
                        .withMessageContaining("connecting to 127.0.0.1:" + port);
                });
    }

    @Test
    void aCallBeforeTheStoreIsReadyWaitsTheStoresOwnRequestTimeoutWhereverItWasSet() {
        // Set once, on the builder (here by a customizer, over the property): the early call waits that long.
        int port = FreePorts.pick();
        this.runner.withPropertyValues("kvstore.rank=1", "kvstore.tcp.port=" + port,
                "kvstore.tcp.request-timeout=30s")
            .withBean(TcpKVStoreBuilderCustomizer.class,
                    () -> (builder) -> builder.requestTimeout(Duration.ofMillis(400)))
            .run((context) -> {
                KVStore store = context.getBean(KVStore.class);
                assertThatExceptionOfType(KVStoreTimeoutException.class).isThrownBy(() -> store.exists("k"))
                    .withMessageContaining("PT0.4S")
                    .withMessageContaining("not ready yet");
            });
    }

    @Test
    void closingTheContextAbortsAStartInProgress() {
        int port = FreePorts.pick();
        AtomicReference<ManagedKVStore> store = new AtomicReference<>();
        long[] closed = new long[1];
        this.runner.withPropertyValues("kvstore.rank=1", "kvstore.tcp.port=" + port,
                "kvstore.tcp.connect-timeout=10m").run((context) -> {
                    store.set(context.getBean(ManagedKVStore.class));
                    closed[0] = System.nanoTime();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - closed[0])).isLessThan(Duration.ofSeconds(5));
        assertThat(store.get().startup().isAborted()).isTrue();
        assertThat(store.get().isRunning()).isFalse();
    }

    @Test
    void masterOnPortZeroPublishesTheBoundPortInTheEnvironment() {
        this.runner.withPropertyValues("kvstore.tcp.port=0").run((context) -> {
            ManagedKVStore store = context.getBean(ManagedKVStore.class);
            store.awaitStarted();
            int port = ((TcpKVStore) store.delegate()).port();
            assertThat(port).isPositive();
            assertThat(context.getEnvironment().getProperty(TcpStoreStarter.PORT_PROPERTY, Integer.class))
                .isEqualTo(port);
            assertThat(store.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
        });
    }

    @Test
    void masterWaitsForItsWorkersBeforeItIsReady() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.world-size=2").run((context) -> {
            ManagedKVStore store = context.getBean(ManagedKVStore.class);
            Integer port = awaitPublishedPort(context.getEnvironment());
            assertThat(store.startup().isReady()).isFalse();
            await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(store.startup().progress()).contains("waiting for 2 processes"));
            try (TcpKVStore worker = TcpKVStore.builder().port(port).worldSize(2).build()) {
                store.awaitStarted();
                assertThat(store.startup().isReady()).isTrue();
                worker.set("k", "v");
                assertThat(store.get("k")).contains("v");
            }
        });
    }

    @Test
    void rendezvousTimeoutIsAStartupFailureNamingTheWorldSizeAndTheJoinedCount() {
        this.runner.withPropertyValues("kvstore.tcp.port=0", "kvstore.tcp.world-size=3",
                "kvstore.tcp.worker-wait-timeout=300ms").run((context) -> {
                    ManagedKVStore store = context.getBean(ManagedKVStore.class);
                    assertThatExceptionOfType(KVStoreStartupException.class).isThrownBy(store::awaitStarted)
                        .satisfies((ex) -> {
                            FailureAnalysis analysis = new KVStoreStartupFailureAnalyzer().analyze(ex);
                            assertThat(analysis.getDescription()).contains("kvstore.tcp.world-size=3", "1/3");
                            assertThat(analysis.getAction()).contains("kvstore.tcp.worker-wait-timeout");
                        });
                });
    }

    @Test
    void aMasterFailureIsAGatewayFailureByItsTypeNotByTheWordEtcdInItsMessage() {
        // The host cannot be resolved, so the message says "etcd.invalid": an in-memory master is still not a gateway.
        this.runner.withPropertyValues("kvstore.tcp.master=true", "kvstore.tcp.host=etcd.invalid", "kvstore.tcp.port=0")
            .run((context) -> {
                ManagedKVStore store = context.getBean(ManagedKVStore.class);
                assertThatExceptionOfType(KVStoreStartupException.class).isThrownBy(store::awaitStarted)
                    .satisfies((ex) -> {
                        assertThat(ex.description()).contains("could not start on etcd.invalid")
                            .doesNotContain("gateway");
                        assertThat(ex.action()).contains("kvstore.tcp.host").doesNotContain("kvstore.etcd");
                    });
            });
    }

    @Test
    void unknownBackendIsReportedNamingThePropertyAndTheValidValues() {
        this.runner.withPropertyValues("kvstore.backend=nonsense")
            .withUserConfiguration(StoreUser.class)
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(KVStorePropertiesTests.fullMessage(context.getStartupFailure()))
                    .contains("kvstore.backend", "nonsense", "tcp, etcd")
                    .doesNotContain("could not be found");
            });
    }

    private static Integer awaitPublishedPort(org.springframework.core.env.Environment environment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Integer port = environment.getProperty(TcpStoreStarter.PORT_PROPERTY, Integer.class);
        while (port == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            port = environment.getProperty(TcpStoreStarter.PORT_PROPERTY, Integer.class);
        }
        assertThat(port).as(TcpStoreStarter.PORT_PROPERTY).isNotNull();
        return port;
    }

    @Configuration(proxyBeanMethods = false)
    static class StoreUser {

        @Bean
        String usesTheStore(KVStore store) {
            return store.namespace();
        }

    }

}
