package dev.kvstore.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

@RequiresTorch
class PythonRuntimeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void torch113RunsOnTheHost() throws InterruptedException {
        try (PythonProcess probe = PythonProcess.start(PythonRuntime.TORCH_1_13, "torch_runtime_probe.py")) {
            assertThat(probe.awaitLineStartingWith("TORCH ", TIMEOUT)).startsWith("1.13");
            probe.assertSucceeds(TIMEOUT);
        }
    }

    @Test
    void torch26RunsInTheChrootWithTcpStoreDefaultingToTheNonLibuvServer() throws InterruptedException {
        try (PythonProcess probe = PythonProcess.start(PythonRuntime.TORCH_2_6, "torch_runtime_probe.py")) {
            assertThat(probe.awaitLineStartingWith("TORCH ", TIMEOUT)).startsWith("2.6");
            assertThat(probe.awaitLineStartingWith("LIBUV ", TIMEOUT)).isEqualTo("False");
            probe.assertSucceeds(TIMEOUT);
        }
    }

    @Test
    void theNewestTorchRunsInItsChrootWithTcpStoreDefaultingToTheNonLibuvServer() throws InterruptedException {
        try (PythonProcess probe = PythonProcess.start(PythonRuntime.TORCH_NEWEST, "torch_runtime_probe.py")) {
            String version = probe.awaitLineStartingWith("TORCH ", TIMEOUT);
            Runtime.Version numbers = Runtime.Version.parse(version.replaceAll("[^0-9.].*", ""));
            assertThat(numbers.compareTo(Runtime.Version.parse("2.14")))
                    .as("the newest Debian torch (%s) is at least the 2.14 this project was checked against", version)
                    .isGreaterThanOrEqualTo(0);
            assertThat(probe.awaitLineStartingWith("LIBUV ", TIMEOUT)).isEqualTo("False");
            probe.assertSucceeds(TIMEOUT);
        }
    }
}
