package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Listing against a real PyTorch 2.6 master (MODERN protocol, no LIST_KEYS), from the chroot that
 * {@code .ci/torch26-chroot} provisions: a clear {@link UnsupportedOperationException}, and the store goes on working.
 */
class TcpListKeysAgainstTorch26MasterTest {

    static final Path CHROOT = Path.of(System.getenv().getOrDefault("KVSTORE_TORCH26_ROOT",
            "/var/cache/kvstore/torch26-chroot"));

    @Test
    void torch26MasterCannotListAndSaysWhy() throws Exception {
        Assumptions.assumeTrue(Files.exists(CHROOT.resolve(".kvstore-ready")),
                "no torch 2.6 chroot (run .ci/torch26-chroot)");
        int port = FreePorts.pick();
        String script = "import datetime, time, torch.distributed as d\n"
                + "s = d.TCPStore('127.0.0.1', " + port + ", is_master=True, wait_for_workers=False, "
                + "use_libuv=False, timeout=datetime.timedelta(seconds=60))\n"
                + "print('READY', flush=True)\n"
                + "time.sleep(600)\n";
        try (PythonProcess master = PythonProcess.startCommand("torch26-master",
                List.of("chroot", CHROOT.toString(), "/usr/bin/python3", "-u", "-c", script))) {
            master.awaitLine("READY"::equals, Duration.ofSeconds(90));
            try (TcpKVStore store = TcpKVStore.builder().port(port).timeout(Duration.ofSeconds(30))
                    .namespace("torch26").build()) {
                store.set("rank:0/addr", "here");
                assertThatThrownBy(() -> store.listKeys("", null, 10))
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("cannot list keys")
                        .hasMessageContaining("PyTorch before 2.10");
                assertThat(store.get("rank:0/addr")).as("the store still works").contains("here");
            }
        }
    }
}
