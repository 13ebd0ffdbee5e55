package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ProgressLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(ProgressLogTest.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void capture() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logs);
    }

    @Test
    void logsWhatIsMissingAtInfoOnceTheIntervalPassed() {
        ProgressLog progress = new ProgressLog(logger, Duration.ZERO, "waitForKey 'ns/c/k'", Duration.ofMinutes(5),
                () -> "the key does not exist");
        progress.logIfDue();
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .startsWith("Still waiting after ").contains("(timeout PT5M)")
                .endsWith("waitForKey 'ns/c/k': the key does not exist");
    }

    @Test
    void logsNothingAtInfoBeforeTheIntervalAndSurvivesAFailingState() {
        ProgressLog quiet = new ProgressLog(logger, Duration.ofHours(1), "wait", Duration.ofHours(2), () -> "x");
        quiet.logIfDue();
        assertThat(logs.list).noneMatch(e -> e.getLevel() == Level.INFO);
        assertThat(quiet.nanosToNextLog()).isGreaterThan(Duration.ofMinutes(59).toNanos());

        ProgressLog failing = new ProgressLog(logger, Duration.ZERO, "wait", Duration.ofHours(2), () -> {
            throw new IllegalStateException("store closed");
        });
        failing.logIfDue();
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString().endsWith("state unknown (store closed)");
    }
}
