package dev.kvstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring application as rank 0 of a torchrun-style job, configured only by the torchrun variables: it hosts the
 * TCPStore master, waits at startup for the PyTorch rank to register, and then exchanges keys with it.
 */
@RequiresTorch
class TorchrunJobTests {

    @Test
    void springApplicationHostsTheMasterForAPyTorchRank() throws Exception {
        int port = FreePorts.pick();
        CompletableFuture<ConfigurableApplicationContext> starting = CompletableFuture
            .supplyAsync(() -> new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .run("--MASTER_ADDR=127.0.0.1", "--MASTER_PORT=" + port, "--RANK=0", "--WORLD_SIZE=2",
                        "--kvstore.tcp.worker-wait-timeout=60s"));
        try (PythonProcess torch = PythonProcess.start("starter_torch_worker.py", port, 2)) {
            try (ConfigurableApplicationContext context = starting.get(90, TimeUnit.SECONDS)) {
                ManagedKVStore store = (ManagedKVStore) context.getBean(KVStore.class);
                assertThat(store.endpoint()).isEqualTo("127.0.0.1:" + port + " (master)");
                assertThat(store.waitForKey("from-torch", Duration.ofSeconds(60)))
                    .asString().isEqualTo("hello from torch");
                store.set("from-java", "hello from spring");
                assertThat(torch.awaitLineStartingWith("GOT ", Duration.ofSeconds(60))).isEqualTo("hello from spring");
                torch.assertSucceeds(Duration.ofSeconds(30));
            }
        } finally {
            starting.thenAccept(ConfigurableApplicationContext::close);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

    }

}
