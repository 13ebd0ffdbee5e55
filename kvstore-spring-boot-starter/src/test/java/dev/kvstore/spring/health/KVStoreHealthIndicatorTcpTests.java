package dev.kvstore.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.autoconfigure.KVStoreAutoConfiguration;
import dev.kvstore.spring.autoconfigure.health.KVStoreHealthContributorAutoConfiguration;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health indicator of a TCPStore client against real masters: a Java one and a PyTorch one. */
class KVStoreHealthIndicatorTcpTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class,
                HealthContributorAutoConfiguration.class, KVStoreHealthContributorAutoConfiguration.class))
        .withPropertyValues("kvstore.rank=1", "kvstore.tcp.connect-timeout=20s", "management.health.kvstore.timeout=1s");

    @Test
    void clientIsUpWhileTheJavaMasterRunsAndDownOnceItIsGone() {
        TcpKVStore master = TcpKVStore.builder().port(0).master(true).build();
        int port = master.port();
        try {
            this.runner.withPropertyValues("kvstore.tcp.port=" + port).run((context) -> {
                HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
                context.getBean(ManagedKVStore.class).awaitStarted();
                Health up = awaitStatus(indicator, Status.UP);
                assertThat(up.getDetails()).containsEntry("backend", "tcp")
                    .containsEntry("endpoint", "127.0.0.1:" + port);
                master.close();
                Health down = awaitStatus(indicator, Status.DOWN);
                assertThat(down.getDetails()).containsEntry("endpoint", "127.0.0.1:" + port);
                assertThat(down.getDetails().get("error")).asString()
                    .contains("connection refused by 127.0.0.1:" + port);
            });
        } finally {
            master.close();
        }
    }

    @Test
    void anEmbeddedMasterIsUpWhileItServesAndDownNamingWhyOnceItDoesNot() {
        this.runner.withPropertyValues("kvstore.rank=0", "kvstore.tcp.port=0").run((context) -> {
            HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
            context.getBean(ManagedKVStore.class).awaitStarted();
            Health up = awaitStatus(indicator, Status.UP);
            assertThat(up.getDetails()).containsEntry("masterLoopRestarts", 0L).containsKey("masterRefusals");
            TcpKVStore master = (TcpKVStore) context.getBean(ManagedKVStore.class).delegate();
            master.embeddedServer().orElseThrow().close();
            Health down = awaitStatus(indicator, Status.DOWN);
            assertThat(down.getDetails().get("error")).asString()
                .contains("embedded TCPStore master on 127.0.0.1:" + master.port() + " is not serving");
        });
    }

    @RequiresTorch
    @Test
    void downWithinItsTimeoutWhileAPyTorchMasterDoesNotAnswerAndUpAgainAfterwards() throws Exception {
        int port = FreePorts.pick();
        try (PythonProcess torch = PythonProcess.start("starter_torch_master.py", port)) {
            torch.awaitLineStartingWith("READY", Duration.ofSeconds(90));
            this.runner.withPropertyValues("kvstore.tcp.port=" + port, "kvstore.tcp.protocol=legacy").run((context) -> {
                HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
                context.getBean(ManagedKVStore.class).awaitStarted();
                awaitStatus(indicator, Status.UP);
                assertThat(context.getBean(KVStore.class).exists("anything")).isFalse();
                signal("STOP", torch.pid());
                awaitAllThreadsStopped(torch.pid());
                try {
                    Health down = awaitStatus(indicator, Status.DOWN);
                    assertThat(down.getDetails().get("error")).asString().contains("no answer within PT1S");
                } finally {
                    signal("CONT", torch.pid());
                }
                await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.UP));
            });
        }
    }

    @Test
    void outOfServiceWhileTheStoreStartsSayingWhatItWaitsFor() {
        int port = FreePorts.pick(); // nobody listens
        this.runner.withPropertyValues("kvstore.tcp.port=" + port).run((context) -> {
            HealthIndicator indicator = context.getBean("kvstoreHealthContributor", HealthIndicator.class);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Health starting = indicator.health();
                assertThat(starting.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
                assertThat(starting.getDetails().get("startup")).asString()
                    .contains("connecting to 127.0.0.1:" + port);
            });
        });
    }

    /** @return the first answer with the status: answers come from the state of the indicator's background check */
    private static Health awaitStatus(HealthIndicator indicator, Status status) {
        return await().atMost(Duration.ofSeconds(30)).until(indicator::health,
                (health) -> status.equals(health.getStatus()));
    }

    /**
     * kill returns once SIGSTOP is queued; each thread stops when it next handles signals. Wait until every thread of
     * the process (the torch master's daemon thread included) is in the stopped state.
     */
    private static void awaitAllThreadsStopped(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Stream<Path> threads = Files.list(tasks)) {
                return threads.allMatch((task) -> isStopped(task.resolve("stat")));
            }
        });
    }

    private static boolean isStopped(Path stat) {
        try {
            String line = Files.readString(stat);
            // The state follows the ")" that closes the command name: T (stopped) or t (traced).
            char state = line.charAt(line.lastIndexOf(')') + 2);
            return state == 'T' || state == 't';
        } catch (IOException ex) {
            return true; // the thread has exited
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }

}
