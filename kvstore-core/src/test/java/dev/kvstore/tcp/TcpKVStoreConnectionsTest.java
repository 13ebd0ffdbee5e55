package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How {@link TcpKVStore} uses connections, counted on a Java TCPStore server. */
class TcpKVStoreConnectionsTest {

    private static TcpKVStore store(TcpStoreServer server, TcpProtocol protocol) {
        return TcpKVStore.builder().host("127.0.0.1").port(server.port()).protocol(protocol)
                .connectTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(10)).namespace("conn")
                        .build();
    }

    @Test
    void modernWaitTimeoutsCancelAndReuseOneConnection() {
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).build().start();
                TcpKVStore store = store(server, TcpProtocol.MODERN)) {
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> store.waitForKey("never", Duration.ofMillis(20)))
                        .isInstanceOf(KVStoreTimeoutException.class);
            }
            store.set("k", "v");
            assertThat(store.get("k")).contains("v");
            assertThat(server.connectionCount()).as("CANCEL_WAIT keeps the connection usable").isEqualTo(1);
        }
    }

    @Test
    void legacyWaitTimeoutsReplaceTheirConnectionWithoutLeaking() {
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).build().start();
                TcpKVStore store = store(server, TcpProtocol.LEGACY)) {
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> store.waitForKey("never", Duration.ofMillis(20)))
                        .isInstanceOf(KVStoreTimeoutException.class);
            }
            store.set("k", "v");
            assertThat(store.get("k")).contains("v");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.connectionCount())
                    .as("each timed-out LEGACY wait closed its connection").isEqualTo(1));
        }
    }

    @Test
    void closingTheStoreClosesEveryConnection() {
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).build().start()) {
            TcpKVStore store = store(server, TcpProtocol.MODERN);
            store.set("k", "v");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 1);
            store.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);
        }
    }
}
