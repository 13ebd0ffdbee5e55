package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.kvstore.CapturedLog;
import dev.kvstore.api.KVStoreTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A master waiting for its workers names what it knows: how many joined and the connections its server sees. */
class WorkerRegistrationLogTest {

    @RegisterExtension
    final CapturedLog log = new CapturedLog(TcpKVStore.class, Level.INFO);

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
        assertThat(log.messages())
                .anySatisfy(line -> assertThat(line).contains("the master waits for 3 TCPStore clients")
                        .contains("1/3 joined; 1 connection(s): 127.0.0.1:"));
    }
}
