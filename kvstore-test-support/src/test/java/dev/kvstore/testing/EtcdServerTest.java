package dev.kvstore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The etcd test server: restarts keep data and ports, close deletes everything; the extension injects itself. */
@RequiresEtcd
@ExtendWith(EtcdServerExtension.class)
class EtcdServerTest {

    private static final ByteSequence KEY = ByteSequence.from("etcd-server-test", StandardCharsets.UTF_8);

    @Test
    void restartKeepsDataAndPortsAndCloseDeletesTheDirectory() throws Exception {
        Path dataDir;
        try (EtcdServer server = EtcdServer.start()) {
            dataDir = server.dataDir();
            String endpoint = server.endpoint();
            put(endpoint, "before restart");

            server.stop();
            assertThat(server.isRunning()).isFalse();
            server.start(EtcdServer.START_TIMEOUT);

            assertThat(server.endpoint()).isEqualTo(endpoint);
            assertThat(get(endpoint)).isEqualTo("before restart");

            server.kill();
            assertThat(server.isRunning()).isFalse();
            server.start(EtcdServer.START_TIMEOUT);
            assertThat(get(endpoint)).isEqualTo("before restart");
            assertThat(server.log()).isNotEmpty();
        }
        assertThat(Files.exists(dataDir)).isFalse();
        assertThat(Files.exists(dataDir.getParent())).isFalse();
    }

    @Test
    void aFrozenServerAnswersNothingUntilThawedAndAStoppedOneFailsTheHealthWaitAtOnce() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            String endpoint = server.endpoint();
            server.freeze();
            assertThat(server.isRunning()).as("a frozen process still runs").isTrue();
            assertThatThrownBy(() -> server.awaitHealthy(Duration.ofMillis(500)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("not healthy within PT0.5S");
            server.thaw();
            server.awaitHealthy(EtcdServer.START_TIMEOUT);
            put(endpoint, "after the thaw");
            assertThat(get(endpoint)).isEqualTo("after the thaw");

            server.freeze();
            server.stop(); // continues the frozen process so that it can act on SIGTERM
            assertThat(server.isRunning()).isFalse();
            long before = System.nanoTime();
            assertThatThrownBy(() -> server.awaitHealthy(EtcdServer.START_TIMEOUT))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("is not running")
                    .hasMessageContaining("--- etcd log");
            assertThat(Duration.ofNanos(System.nanoTime() - before)).as("no wait for a process that is gone")
                    .isLessThan(EtcdServer.START_TIMEOUT);
            assertThatThrownBy(server::freeze).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is not running");
        }
    }

    @Test
    void extensionInjectsARunningServer(EtcdServerExtension etcd) throws Exception {
        assertThat(etcd.endpoints()).isNotEmpty();
        put(etcd.endpoint(), "via the extension");
        assertThat(get(etcd.endpoint())).isEqualTo("via the extension");
        if (!etcd.isExternal()) {
            assertThat(etcd.server().isRunning()).isTrue();
        }
    }

    private static void put(String endpoint, String value) throws Exception {
        try (Client client = Client.builder().endpoints(endpoint).build()) {
            client.getKVClient().put(KEY, ByteSequence.from(value, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
    }

    private static String get(String endpoint) throws Exception {
        try (Client client = Client.builder().endpoints(endpoint).build()) {
            return client.getKVClient().get(KEY).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()
                    .toString(StandardCharsets.UTF_8);
        }
    }
}
