package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.APPEND;
import static dev.kvstore.tcp.protocol.wire.Command.CANCEL_WAIT;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.COMPARE_SET;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.GETNUMKEYS;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_SET;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static dev.kvstore.tcp.protocol.wire.Command.WATCH_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The numberings of clients that send no VALIDATE: PyTorch 1.13/2.0 (LEGACY, the default) and 2.1 (V2_1, a server
 * setting), and modern clients on the same server as legacy ones.
 */
class TcpStoreServerLegacyProtocolTest {

    @RegisterExtension
    final RunningServer running = RunningServer.startedByEachTest();
    private TcpStoreServer server;

    private void start(TcpProtocol legacy) {
        server = running.start(TcpStoreServer.builder().legacyProtocol(legacy));
    }

    private WireConnection connect(TcpProtocol generation) throws IOException {
        return running.connect(generation);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void legacyNumberingOfTorch113() throws IOException {
        start(TcpProtocol.LEGACY);
        WireConnection c = connect(TcpProtocol.LEGACY);
        WireConnection waiter = connect(TcpProtocol.LEGACY);

        // The first byte of a 1.13 connection is SET = 0, like VALIDATE: the server must look further.
        c.request(SET).str("/a").bytes(utf8("1")).send();
        c.request(ADD).str("init/").i64(1).send();
        assertThat(c.readI64()).isEqualTo(1);
        c.request(GET).str("/a").send();
        assertThat(c.readString()).isEqualTo("1");
        c.request(COMPARE_SET).str("/a").bytes(utf8("1")).bytes(utf8("2")).send();
        assertThat(c.readString()).isEqualTo("2");
        c.request(CHECK).keys("/a", "init/").send();
        assertThat(c.readU8()).isZero();

        waiter.request(WAIT).keys("/late").send();
        waiter.request(GETNUMKEYS).send();
        assertThat(waiter.readI64()).as("GETNUMKEYS answered first: the WAIT is pending").isEqualTo(2);
        c.request(SET).str("/late").bytes(utf8("x")).send();
        assertThat(waiter.readU8()).isZero();

        c.request(DELETE_KEY).str("/a").send(); // opcode 8 in 1.13
        assertThat(c.readI64()).isEqualTo(1);
        c.request(GETNUMKEYS).send();
        assertThat(c.readI64()).isEqualTo(2);
    }

    @Test
    void legacyFirstRequestSplitByteByByte() throws IOException {
        start(TcpProtocol.LEGACY);
        WireConnection c = running.track(WireConnection.openRaw(server.port(), TcpProtocol.LEGACY));
        c.request(SET).str("/split").bytes(utf8("v")).sendByteByByte();
        c.request(GET).str("/split").sendByteByByte();
        assertThat(c.readString()).isEqualTo("v");
    }

    @Test
    void watchKeyAcknowledgesAndPushesUpdates() throws IOException {
        start(TcpProtocol.LEGACY);
        WireConnection watcher = connect(TcpProtocol.LEGACY);
        WireConnection writer = connect(TcpProtocol.LEGACY);
        watcher.request(WATCH_KEY).str("/w").send();
        assertThat(watcher.readU8()).isEqualTo(3); // KEY_CALLBACK_REGISTERED

        writer.request(SET).str("/w").bytes(utf8("v1")).send();
        assertNotification(watcher, 1, "", "v1"); // KEY_CREATED
        writer.request(SET).str("/w").bytes(utf8("v2")).send();
        assertNotification(watcher, 0, "v1", "v2"); // KEY_UPDATED
        writer.request(ADD).str("/other").i64(1).send();
        assertThat(writer.readI64()).isEqualTo(1);
        writer.request(DELETE_KEY).str("/w").send();
        assertThat(writer.readI64()).isEqualTo(1);
        assertNotification(watcher, 2, "v2", ""); // KEY_DELETED, nothing for /other in between
        writer.request(COMPARE_SET).str("/w").bytes(new byte[0]).bytes(utf8("c")).send();
        assertThat(writer.readString()).isEqualTo("c");
        assertNotification(watcher, 1, "", "c");

        watcher.close();
        await().until(() -> server.connectionCount() == 1);
        writer.request(SET).str("/w").bytes(utf8("after")).send();
        writer.request(GET).str("/w").send();
        assertThat(writer.readString()).as("a gone watcher does not disturb").isEqualTo("after");
    }

    private static void assertNotification(WireConnection watcher, int type, String oldValue, String newValue)
            throws IOException {
        assertThat(watcher.readU8()).isEqualTo(type);
        assertThat(watcher.readString()).isEqualTo("/w");
        assertThat(watcher.readString()).isEqualTo(oldValue);
        assertThat(watcher.readString()).isEqualTo(newValue);
    }

    @Test
    void v21NumberingWhenConfigured() throws IOException {
        start(TcpProtocol.V2_1);
        WireConnection c = connect(TcpProtocol.V2_1);
        WireConnection waiter = connect(TcpProtocol.V2_1);
        c.request(SET).str("/a").bytes(utf8("1")).send();
        c.request(APPEND).str("/a").bytes(utf8("2")).send(); // opcode 8 in 2.1
        c.request(MULTI_SET).i64(1).str("/b").bytes(utf8("3")).send();
        c.request(MULTI_GET).keys("/a", "/b").send();
        assertThat(c.readString()).isEqualTo("12");
        assertThat(c.readString()).isEqualTo("3");
        c.request(DELETE_KEY).str("/b").send(); // opcode 7 in 2.1
        assertThat(c.readI64()).isEqualTo(1);

        waiter.request(WAIT).keys("/never").send();
        await().until(() -> server.waiterCount() == 1);
        waiter.request(CANCEL_WAIT).send();
        assertThat(waiter.readU8()).isEqualTo(1);
        assertThat(server.waiterCount()).isZero();
    }

    @Test
    void modernAndLegacyClientsShareOneStore() throws IOException {
        start(TcpProtocol.LEGACY);
        WireConnection modern = connect(TcpProtocol.MODERN);
        WireConnection legacy = connect(TcpProtocol.LEGACY);
        legacy.request(WAIT).keys("/shared").send();
        modern.request(SET).str("/shared").bytes(utf8("from 2.x")).send();
        assertThat(legacy.readU8()).isZero();
        legacy.request(GET).str("/shared").send();
        assertThat(legacy.readString()).isEqualTo("from 2.x");
        // 1.13's WATCH_KEY opcode 7 is GETNUMKEYS for a modern client.
        modern.request(GETNUMKEYS).send();
        assertThat(modern.readI64()).isEqualTo(1);
    }
}
