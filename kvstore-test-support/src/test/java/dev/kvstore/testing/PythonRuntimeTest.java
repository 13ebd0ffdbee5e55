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
}
