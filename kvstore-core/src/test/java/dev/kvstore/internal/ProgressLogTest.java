package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.kvstore.CapturedLog;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProgressLogTest {

    @RegisterExtension
    final CapturedLog logs = new CapturedLog(ProgressLogTest.class);
    private final Logger logger = logs.logger();

    @Test
    void logsWhatIsMissingAtInfoOnceTheIntervalPassed() {
        ProgressLog progress = new ProgressLog(logger, Duration.ZERO, "waitForKey 'ns/c/k'", Duration.ofMinutes(5),
                () -> "the key does not exist");
        progress.logIfDue();
        assertThat(logs.messages(Level.INFO)).singleElement().asString()
                .startsWith("Still waiting after ").contains("(timeout PT5M)")
                .endsWith("waitForKey 'ns/c/k': the key does not exist");
    }

    @Test
    void logsNothingAtInfoBeforeTheIntervalAndSurvivesAFailingState() {
        ProgressLog quiet = new ProgressLog(logger, Duration.ofHours(1), "wait", Duration.ofHours(2), () -> "x");
        quiet.logIfDue();
        assertThat(logs.messages(Level.INFO)).isEmpty();
        assertThat(quiet.nanosToNextLog()).isGreaterThan(Duration.ofMinutes(59).toNanos());

        ProgressLog failing = new ProgressLog(logger, Duration.ZERO, "wait", Duration.ofHours(2), () -> {
            throw new IllegalStateException("store closed");
        });
        failing.logIfDue();
        assertThat(logs.messages(Level.INFO)).singleElement().asString().endsWith("state unknown (store closed)");
    }
}
