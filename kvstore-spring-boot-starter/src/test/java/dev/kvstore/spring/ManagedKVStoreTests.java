package dev.kvstore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.kvstore.api.KVStore;
import dev.kvstore.tcp.TcpKVStore;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The managed store over a real TCPStore master: delegation, observations, views and shutdown. */
class ManagedKVStoreTests {

    private final List<String> observed = new CopyOnWriteArrayList<>();

    private TcpKVStore backend;

    private ManagedKVStore store;

    @BeforeEach
    void startMaster() {
        this.backend = TcpKVStore.builder().port(0).master(true).namespace("ns").build();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<KVStoreObservationContext>() {
            @Override
            public void onStop(KVStoreObservationContext context) {
                ManagedKVStoreTests.this.observed.add(context.getComponent() + ":"
                        + context.getOperation().tagValue() + ":" + ((context.getError() != null) ? "failed" : "ok"));
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof KVStoreObservationContext;
            }
        });
        this.store = new ManagedKVStore(this.backend, "tcp", "127.0.0.1 (master)", false,
                new KVStoreObservations(registry, null));
    }

    @AfterEach
    void stopMaster() {
        this.backend.close();
    }

    @Test
    void delegatesAndObservesEveryOperation() {
        this.store.set("k", "v");
        assertThat(this.store.get("k")).contains("v");
        assertThat(this.store.exists("k")).isTrue();
        assertThat(this.backend.get("k")).as("written through to the backend").contains("v");
        assertThat(this.observed).containsExactly("tensorbus:set:ok", "tensorbus:get:ok", "tensorbus:exists:ok");
    }

    @Test
    void failuresAreReportedAndRethrown() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.store.set("", "v"));
        assertThat(this.observed).containsExactly("tensorbus:set:failed");
    }

    @Test
    void componentViewsAreManagedToo() {
        KVStore view = this.store.withComponent("other");
        assertThat(view).isInstanceOf(ManagedKVStore.class);
        view.set("k", "v");
        assertThat(this.backend.withComponent("other").get("k")).contains("v");
        assertThat(this.observed).containsExactly("other:set:ok");
        view.close();
        assertThat(this.store.get("k")).as("closing a view leaves the store open").isEmpty();
    }

    @Test
    void shutdownClosesTheBackend() {
        this.store.shutdown();
        assertThatIllegalStateException().isThrownBy(() -> this.backend.exists("k")).withMessageContaining("closed");
    }

}
