package dev.kvstore.spring;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.TcpKVStore;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every operation of a managed store over a real TCPStore master is an Observation. */
class KVStoreObservationsTests {

    private TcpKVStore backend;

    @BeforeEach
    void startMaster() {
        this.backend = TcpKVStore.builder().port(0).master(true).namespace("ns").build();
    }

    @AfterEach
    void stopMaster() {
        this.backend.close();
    }

    @Test
    void operationsAreObservedWithTheConventionsKeyValues() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        ManagedKVStore store = managed(registry);
        store.set("k", "v");
        assertThat(store.get("k")).contains("v");
        assertThatExceptionOfType(KVStoreTimeoutException.class)
            .isThrownBy(() -> store.withComponent("other").waitForKey("never", Duration.ofMillis(100)));

        assertThat(registry).hasNumberOfObservationsWithNameEqualTo(DefaultKVStoreObservationConvention.OPERATIONS, 2)
            .hasObservationWithNameEqualTo(DefaultKVStoreObservationConvention.OPERATIONS)
            .that()
            .hasContextualNameEqualTo("kvstore set")
            .hasLowCardinalityKeyValue("backend", "tcp")
            .hasLowCardinalityKeyValue("operation", "set")
            .hasLowCardinalityKeyValue("outcome", "success")
            .doesNotHaveLowCardinalityKeyValueWithKey("exception")
            .hasHighCardinalityKeyValue("kvstore.namespace", "ns")
            .hasHighCardinalityKeyValue("kvstore.key", "k")
            .hasBeenStarted()
            .hasBeenStopped();
        assertThat(registry).hasObservationWithNameEqualTo(DefaultKVStoreObservationConvention.WAITS)
            .that()
            .hasLowCardinalityKeyValue("operation", "waitForKey")
            .hasLowCardinalityKeyValue("outcome", "timeout")
            .doesNotHaveLowCardinalityKeyValueWithKey("exception")
            .hasHighCardinalityKeyValue("kvstore.component", "other")
            .hasError()
            .hasBeenStopped();
    }

    @Test
    void aBadArgumentIsAnErrorOutcomeAndRethrown() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        ManagedKVStore store = managed(registry);
        assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> store.set("", "v"));
        assertThat(registry).hasSingleObservationThat()
            .hasLowCardinalityKeyValue("outcome", "error")
            .doesNotHaveLowCardinalityKeyValueWithKey("exception")
            .hasError();
    }

    @Test
    void aCustomConventionReplacesTheDefault() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        KVStoreObservationConvention custom = new DefaultKVStoreObservationConvention("custom.kv") {
            @Override
            public io.micrometer.common.KeyValues getLowCardinalityKeyValues(KVStoreObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("job", context.getNamespace());
            }
        };
        ManagedKVStore store = new ManagedKVStore(this.backend, "tcp", "master", false,
                new KVStoreObservations(registry, custom));
        store.exists("k");
        assertThat(registry).hasSingleObservationThat()
            .hasNameEqualTo("custom.kv")
            .hasLowCardinalityKeyValue("job", "ns")
            .hasLowCardinalityKeyValue("operation", "exists");
    }

    @Test
    void aWaitInProgressIsALongTaskTimerAndATimerSampleOnceDone() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        ManagedKVStore store = managed(registry);
        CompletableFuture<byte[]> waiting = CompletableFuture
            .supplyAsync(() -> store.waitForKey("late", Duration.ofSeconds(60)));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            LongTaskTimer active = meters.find(DefaultKVStoreObservationConvention.WAITS + ".active")
                .tags("operation", "waitForKey", "outcome", "unknown")
                .longTaskTimer();
            assertThat(active).isNotNull();
            assertThat(active.activeTasks()).isEqualTo(1);
        });
        this.backend.set("late", "now");
        assertThat(waiting.get()).isEqualTo("now".getBytes());
        assertThat(meters.get(DefaultKVStoreObservationConvention.WAITS + ".active").longTaskTimer().activeTasks())
            .isZero();
        assertThat(meters.get(DefaultKVStoreObservationConvention.WAITS)
            .tags("backend", "tcp", "operation", "waitForKey", "outcome", "success", "error", "none")
            .timer()
            .count()).isEqualTo(1);
        // Boot's convention: the exception's class is the meter handler's "error" tag, not a second tag of ours.
        assertThatExceptionOfType(KVStoreTimeoutException.class)
            .isThrownBy(() -> store.waitForKey("never", Duration.ofMillis(100)));
        assertThat(meters.get(DefaultKVStoreObservationConvention.WAITS)
            .tags("operation", "waitForKey", "outcome", "timeout", "error", "KVStoreTimeoutException")
            .timer()
            .count()).isEqualTo(1);
        assertThat(meters.find(DefaultKVStoreObservationConvention.WAITS).tagKeys("exception").meters()).isEmpty();
        assertThat(meters.find("kvstore.timeouts").meters()).as("no separate timeout counter").isEmpty();
    }

    @Test
    void withoutARegistryTheStoreStillWorks() {
        ManagedKVStore store = new ManagedKVStore(this.backend, "tcp", "master", false, KVStoreObservations.none());
        store.set("k", "v");
        assertThat(this.backend.get("k")).contains("v");
    }

    private ManagedKVStore managed(ObservationRegistry registry) {
        return new ManagedKVStore(this.backend, "tcp", "master", false, new KVStoreObservations(registry, null));
    }

}
