package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kvstore.api.KVStoreTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A master waiting for its workers names what it knows: how many joined and the connections its server sees. */
class WorkerRegistrationLogTest {

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(TcpKVStore.class);
    private Level levelBefore;

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
        levelBefore = logger.getLevel();
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
        logger.setLevel(levelBefore);
    }

    @Test
    void theWaitAndItsTimeoutNameTheJoinedCountAndTheConnectedClients() {
        TcpKVStore master = TcpKVStore.builder().port(0).master(true).worldSize(3).waitForWorkers(true)
                .workerWaitTimeout(Duration.ofSeconds(2)).progressInterval(Duration.ofMillis(200)).create();
        try {
            assertThatThrownBy(master::start).isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("1/3 clients joined; 1 connection(s): 127.0.0.1:");
        } finally {
            master.close();
        }
        assertThat(log.list).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("the master waits for 3 TCPStore clients")
                        .contains("1/3 joined; 1 connection(s): 127.0.0.1:"));
    }
}
