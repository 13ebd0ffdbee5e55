package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code close(true)} against a MODERN master without LIST_KEYS (PyTorch 2.2 to 2.9), which closes the connection on
 * the unknown opcode. No such torch is installed here, so the test plays that master over a raw socket.
 */
class TcpKVStoreCleanupTest {

    @Test
    void cleanupOnAMasterWithoutListKeysLogsAndCloses() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(TcpKVStore.class);
        logs.start();
        logger.addAppender(logs);
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(10_000);
            CompletableFuture<TcpKVStore> building = CompletableFuture.supplyAsync(() -> TcpKVStore.builder()
                    .host("127.0.0.1").port(listener.getLocalPort()).connectTimeout(Duration.ofSeconds(10))
                            .requestTimeout(Duration.ofSeconds(10))
                    .namespace("job").build());
            try (Socket probe = listener.accept()) {
                // Detection's first probe, a legacy GETNUMKEYS: a 2.2+ master closes a connection not opened with
                // VALIDATE.
                probe.setSoTimeout(10_000);
                assertThat(probe.getInputStream().read()).as("legacy GETNUMKEYS probe").isEqualTo(6);
            }
            try (Socket connection = listener.accept()) {
                connection.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(connection.getInputStream());
                byte[] validate = new byte[5];
                in.readFully(validate);
                assertThat(validate).containsExactly(0x00, 0xCE, 0xF7, 0x85, 0x3C);
                TcpKVStore store = building.get(10, TimeUnit.SECONDS);

                CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> store.close(true));
                assertThat(in.readUnsignedByte()).as("LIST_KEYS").isEqualTo(17);
                connection.close(); // what a torch 2.2-2.9 master does with an opcode it does not know
                closing.get(10, TimeUnit.SECONDS);
            }
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("cannot list keys").contains("namespace 'job'"));
    }
}
