package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.testing.FreePorts;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Creating without I/O, starting in steps, aborting a start by closing, and the three timeouts. */
class TcpKVStoreStartTest {

    @Test
    void createDoesNoIoAndOperationsBeforeStartFailClearly() {
        int port = FreePorts.pick();
        TcpKVStore store = TcpKVStore.builder().port(port).create();
        try {
            assertThatIllegalStateException().isThrownBy(() -> store.exists("k")).withMessageContaining("call start()");
        } finally {
            store.close(false);
        }
    }

    @Test
    void masterOnPortZeroKnowsItsPortOnceTheServerStartedBeforeTheRendezvous() {
        TcpKVStore master = TcpKVStore.builder().master(true).port(0).worldSize(2).create();
        try {
            master.startServer();
            int port = master.port();
            assertThat(port).isPositive();
            CompletableFuture<TcpKVStore> starting = CompletableFuture.supplyAsync(master::start);
            try (TcpKVStore worker = TcpKVStore.builder().port(port).worldSize(2).build()) {
                assertThat(starting.get(30, TimeUnit.SECONDS)).isSameAs(master);
                worker.set("k", "v");
                assertThat(master.get("k")).contains("v");
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            master.close(false);
        }
    }

    @Test
    void closingAbortsAStartBlockedOnConnecting() throws Exception {
        int port = FreePorts.pick(); // nobody listens: the client retries until its connect timeout
        TcpKVStore worker = TcpKVStore.builder().port(port).connectTimeout(Duration.ofMinutes(5)).create();
        CompletableFuture<TcpKVStore> starting = CompletableFuture.supplyAsync(worker::start);
        Thread.onSpinWait();
        worker.close(false);
        assertThatThrownBy(() -> starting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfAny(KVStoreException.class, IllegalStateException.class);
    }

    @Test
    void closingAbortsAMasterWaitingForWorkers() throws Exception {
        TcpKVStore master = TcpKVStore.builder().master(true).port(0).worldSize(2)
                .workerWaitTimeout(Duration.ofMinutes(5)).create();
        master.startServer();
        CompletableFuture<TcpKVStore> starting = CompletableFuture.supplyAsync(master::start);
        // Registered: the master's own init/ increment is visible to a second client.
        try (TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", master.port(), Duration.ofSeconds(10))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!client.checkRaw(java.util.List.of(TcpStoreClient.INIT_KEY)) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        master.close(false);
        assertThatThrownBy(() -> starting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }

    @Test
    void connectTimeoutBoundsConnectingAndNamesTheRefusal() {
        int port = FreePorts.pick();
        long start = System.nanoTime();
        assertThatThrownBy(() -> TcpKVStore.builder().port(port).connectTimeout(Duration.ofMillis(300))
                .requestTimeout(Duration.ofSeconds(30)).build())
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("PT0.3S").hasMessageContaining("127.0.0.1:" + port)
                .hasCauseInstanceOf(ConnectException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void workerWaitTimeoutBoundsTheRendezvousAndNamesTheJoinedCount() {
        assertThatThrownBy(() -> TcpKVStore.builder().master(true).port(0).worldSize(2)
                .workerWaitTimeout(Duration.ofMillis(300)).build())
                .isInstanceOf(KVStoreTimeoutException.class).hasMessageContaining("1/2");
    }

    @Test
    void anOperationWithTheMasterGoneFailsWithinTheRequestTimeout() {
        TcpKVStore master = TcpKVStore.builder().master(true).port(0).build();
        int port = master.port();
        try (TcpKVStore worker = TcpKVStore.builder().port(port).requestTimeout(Duration.ofSeconds(1)).build()) {
            master.close(false);
            long start = System.nanoTime();
            assertThatThrownBy(() -> {
                // The pooled connection may still look open once: the second call must reconnect.
                worker.set("a", "1");
                worker.set("b", "2");
            }).isInstanceOf(KVStoreException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }
}
