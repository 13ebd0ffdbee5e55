package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.health.KVStoreHealthContributorAutoConfiguration;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresEtcd;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The etcd backend of the starter against a real etcd: connection, connection details, cleanup, health. */
@RequiresEtcd
class EtcdBackendTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final String namespace = "starter-" + UUID.randomUUID();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, KVStoreHealthContributorAutoConfiguration.class))
        .withPropertyValues("kvstore.backend=etcd", "kvstore.namespace=" + this.namespace);

    private EtcdKVStore direct;

    @BeforeEach
    void connectDirectly() {
        this.direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(this.namespace).build();
    }

    @AfterEach
    void disconnect() {
        this.direct.close(true);
    }

    @Test
    void connectsToTheConfiguredEndpointsWithPropertiesConnectionDetails() {
        this.runner.withPropertyValues("kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()))
            .run((context) -> {
                assertThat(context).hasSingleBean(EtcdConnectionDetails.class)
                    .hasSingleBean(PropertiesEtcdConnectionDetails.class);
                ManagedKVStore store = context.getBean(ManagedKVStore.class);
                assertThat(store.delegate()).isInstanceOf(EtcdKVStore.class);
                assertThat(store.backend()).isEqualTo("etcd");
                assertThat(store.endpoint()).isEqualTo(String.join(",", etcd.endpoints()));
                store.set("from-spring", "1");
                assertThat(this.direct.get("from-spring")).contains("1");
            });
    }

    @Test
    void clientBuilderCustomizersAddGrpcInterceptorsSuchAsMicrometersObservationInterceptor() {
        TestObservationRegistry observations = TestObservationRegistry.create();
        this.runner.withPropertyValues("kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()))
            .withBean(EtcdClientBuilderCustomizer.class,
                    () -> (builder) -> builder.interceptor(new ObservationGrpcClientInterceptor(observations)))
            .run((context) -> {
                context.getBean(KVStore.class).set("observed", "1");
                assertThat(this.direct.get("observed")).contains("1");
                TestObservationRegistryAssert.assertThat(observations)
                    .hasAnObservation((observation) -> observation.hasNameEqualTo("grpc.client")
                        .hasLowCardinalityKeyValue("rpc.service", "etcdserverpb.KV")
                        .hasLowCardinalityKeyValue("rpc.method", "Put"));
            });
    }

    @Test
    void hostAndPortMakeTheEndpointWhenNoEndpointsAreSet() {
        URI endpoint = URI.create(etcd.endpoint());
        this.runner
            .withPropertyValues("kvstore.etcd.host=" + endpoint.getHost(), "kvstore.etcd.port=" + endpoint.getPort())
            .run((context) -> {
                context.getBean(KVStore.class).set("k", "v");
                assertThat(this.direct.get("k")).contains("v");
            });
    }

    @Test
    void connectionDetailsBeanWinsOverTheProperties() {
        this.runner.withPropertyValues("kvstore.etcd.endpoints=http://127.0.0.1:" + FreePorts.pick())
            .withBean(EtcdConnectionDetails.class, () -> etcd::endpoints)
            .run((context) -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(PropertiesEtcdConnectionDetails.class);
                context.getBean(KVStore.class).set("k", "via-details");
                assertThat(this.direct.get("k")).contains("via-details");
            });
    }

    @Test
    void unreachableEtcdFailsStartupNamingTheEndpoint() {
        String nobody = "http://127.0.0.1:" + FreePorts.pick();
        this.runner.withPropertyValues("kvstore.etcd.endpoints=" + nobody, "kvstore.etcd.connect-timeout=1s")
            .run((context) -> {
                assertThat(context).as("the store starts in the lifecycle").hasNotFailed();
                assertThatExceptionOfType(KVStoreStartupException.class)
                    .isThrownBy(context.getBean(ManagedKVStore.class)::awaitStarted)
                    .satisfies((ex) -> assertThat(ex.description()).contains(nobody, "kvstore.etcd.connect-timeout"))
                    .satisfies((ex) -> assertThat(ex.action()).contains("kvstore.etcd.endpoints"));
            });
    }

    @Test
    void rankZeroWithCleanupDeletesTheNamespaceAtStartupAndShutdown() {
        this.direct.set("stale", "from a previous run");
        this.runner.withPropertyValues(endpoints(), "kvstore.rank=0", "kvstore.cleanup=true").run((context) -> {
            context.getBean(ManagedKVStore.class).awaitStarted();
            assertThat(this.direct.exists("stale")).as("deleted at startup").isFalse();
            context.getBean(KVStore.class).set("fresh", "1");
            assertThat(this.direct.exists("fresh")).isTrue();
        });
        assertThat(this.direct.exists("fresh")).as("deleted at shutdown").isFalse();
    }

    @Test
    void otherRanksNeverCleanUp() {
        this.direct.set("kept", "1");
        this.runner.withPropertyValues(endpoints(), "kvstore.rank=1", "kvstore.cleanup=true").run((context) -> {
            assertThat(this.direct.exists("kept")).isTrue();
            context.getBean(KVStore.class).set("mine", "1");
        });
        assertThat(this.direct.exists("kept")).isTrue();
        assertThat(this.direct.exists("mine")).isTrue();
    }

    @Test
    void rankZeroKeepsTheKeysWithoutCleanup() {
        this.runner.withPropertyValues(endpoints(), "kvstore.rank=0")
            .run((context) -> context.getBean(KVStore.class).set("kept", "1"));
        assertThat(this.direct.exists("kept")).isTrue();
    }

    @Test
    void healthIsUpWithTheClusterLeaderAndVersion() {
        this.runner.withPropertyValues(endpoints()).run((context) -> {
            context.getBean(ManagedKVStore.class).awaitStarted();
            HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
            // The first answer may come before the indicator's first background check: wait for that one.
            Health health = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(indicator::health, (answer) -> Status.UP.equals(answer.getStatus()));
            assertThat(health.getDetails()).containsEntry("backend", "etcd")
                .containsEntry("endpoint", String.join(",", etcd.endpoints()))
                .containsEntry("namespace", this.namespace)
                .containsKeys("latencyMillis", "leader", "answeredBy");
            assertThat(health.getDetails().get("version")).asString().startsWith("3.");
        });
    }

    private static String endpoints() {
        return "kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints());
    }

}
