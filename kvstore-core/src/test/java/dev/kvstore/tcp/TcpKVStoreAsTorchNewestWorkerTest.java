package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchPeer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java client as a worker of a real master of the newest torch Debian ships (skipped, saying why, when Debian
 * unstable cannot provide it): the master waits for its workers, and two Java workers complete its world.
 */
@RequiresTorch
class TcpKVStoreAsTorchNewestWorkerTest {

    @Test
    void javaWorkersCompleteTheWorldOfANewestTorchMasterWaitingForThem() throws Exception {
        PythonRuntime.TORCH_NEWEST.require();
        int port = FreePorts.pick();
        try (TorchPeer torch = TorchPeer.start(PythonRuntime.TORCH_NEWEST, "master", port, 3, true)) {
            // The workers may come before the master listens: the build retries until it does.
            CompletableFuture<TcpKVStore> first = CompletableFuture.supplyAsync(() -> worker(port));
            try (TcpKVStore second = worker(port); TcpKVStore firstStore = first.get(120, TimeUnit.SECONDS)) {
                torch.awaitReady(TorchPeer.STARTUP);
                assertThat(firstStore.protocol()).contains(TcpProtocol.MODERN);
                try (TcpStoreClient raw = TcpStoreClient.connect("127.0.0.1", port, TcpProtocol.MODERN,
                        Duration.ofSeconds(30))) {
                    assertThat(new String(raw.getRaw(TcpStoreClient.INIT_KEY), StandardCharsets.UTF_8))
                            .as("the master and two Java workers joined").isEqualTo("3");
                }
                firstStore.set("hello", "from java");
                assertThat(second.get("hello")).contains("from java");
                assertThat(torch.getString("job/tensorbus/hello")).isEqualTo("from java");
                torch.set("job/tensorbus/back", "from torch");
                assertThat(second.get("back")).contains("from torch");
            }
        }
    }

    private static TcpKVStore worker(int port) {
        return TcpKVStore.builder().host("127.0.0.1").port(port).connectTimeout(Duration.ofSeconds(120))
                .requestTimeout(Duration.ofSeconds(120)).workerWaitTimeout(Duration.ofSeconds(120)).worldSize(3)
                .namespace("job").build();
    }
}
