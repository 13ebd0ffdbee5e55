package dev.kvstore;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * What one class's logger logs during a test, through logback. Optionally at a level set for the test (INFO to see
 * progress lines, ERROR to keep thousands of expected WARNs out of the build log) and restored after it.
 *
 * <pre>{@code
 * @RegisterExtension
 * final CapturedLog serverLog = new CapturedLog(TcpStoreServer.class, Level.INFO);
 * ... assertThat(serverLog.messages(Level.WARN)).anyMatch(line -> line.contains("..."));
 * }</pre>
 *
 * <p>Register it on an instance field: it attaches before each test and detaches after it.
 */
public final class CapturedLog implements BeforeEachCallback, AfterEachCallback {

    private final Logger logger;
    private final Level level;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level levelBefore;

    /** Captures the class's logger at the level the logging configuration gives it. */
    public CapturedLog(Class<?> loggerOf) {
        this(loggerOf, null);
    }

    /** Captures the class's logger with its level set to {@code level} during the test. */
    public CapturedLog(Class<?> loggerOf, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerOf);
        this.level = level;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender.start();
        logger.addAppender(appender);
        levelBefore = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.detachAppender(appender);
        logger.setLevel(levelBefore);
        appender.stop();
    }

    /** @return the events so far, a copy (the appender adds under its own lock, from any thread) */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** @return the formatted messages so far */
    public List<String> messages() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** @return the formatted messages so far at exactly the level */
    public List<String> messages(Level at) {
        return events().stream().filter(e -> e.getLevel() == at).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** @return the captured logger, for code under test that takes a logger */
    public Logger logger() {
        return logger;
    }
}
