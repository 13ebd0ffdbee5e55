package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.EXT_IDENTIFY;
import static dev.kvstore.tcp.protocol.wire.Command.EXT_SET_EPHEMERAL;
import static dev.kvstore.tcp.protocol.wire.Command.EXT_WATCH_PREFIX;
import static dev.kvstore.tcp.protocol.wire.Command.GETNUMKEYS;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Java master's protocol extension byte for byte: IDENTIFY, WATCH_PREFIX frames, SET_EPHEMERAL ownership. */
class TcpStoreServerJavaExtensionTest {

    private static final TcpProtocol MODERN = TcpProtocol.MODERN;

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();

    private WireConnection connect(TcpProtocol generation) throws IOException {
        return running.connect(generation);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The extension has the same opcodes under every numbering, so any Java client can use it. */
    @ParameterizedTest
    @EnumSource(value = TcpProtocol.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void identifyAnswersTheMagicNumberAndVersionUnderEveryNumbering(TcpProtocol generation)
            throws IOException {
        WireConnection c = connect(generation);
        c.request(EXT_IDENTIFY).send();
        assertThat(c.readU32()).isEqualTo(Integer.toUnsignedLong(JavaMasterExtension.MAGIC));
        assertThat(c.readU32()).isEqualTo(JavaMasterExtension.VERSION);
        assertThat(JavaMasterExtension.MAGIC).as("'KVJX' on the wire")
                .isEqualTo(java.nio.ByteBuffer.wrap(utf8("KVJX")).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void watchGetsTheStateUnderThePrefixThenEveryChangeUnderIt() throws IOException {
        WireConnection writer = connect(MODERN);
        writer.request(SET).str("/ns/w/a").bytes(utf8("1")).send();
        writer.request(SET).str("/ns/other").bytes(utf8("x")).send();
        writer.request(GETNUMKEYS).send();
        assertThat(writer.readI64()).isEqualTo(2);

        WireConnection watcher = connect(TcpProtocol.LEGACY);
        watcher.request(EXT_WATCH_PREFIX).str("/ns/w/").send();
        assertThat(watcher.readI64()).isEqualTo(1);
        assertThat(watcher.readString()).isEqualTo("/ns/w/a");
        assertThat(watcher.readString()).isEqualTo("1");

        writer.request(SET).str("/ns/other").bytes(utf8("y")).send();
        writer.request(ADD).str("/ns/w/n").i64(5).send();
        assertThat(writer.readI64()).isEqualTo(5);
        writer.request(DELETE_KEY).str("/ns/w/a").send();
        assertThat(writer.readI64()).isEqualTo(1);
        writer.request(DELETE_KEY).str("/ns/w/missing").send();
        assertThat(writer.readI64()).isZero();

        assertThat(watcher.readU8()).isEqualTo(JavaMasterExtension.EVENT_PUT);
        assertThat(watcher.readString()).isEqualTo("/ns/w/n");
        assertThat(watcher.readString()).isEqualTo("5");
        assertThat(watcher.readU8()).isEqualTo(JavaMasterExtension.EVENT_DELETE);
        assertThat(watcher.readString()).isEqualTo("/ns/w/a");
        assertThat(server.keyCount()).isEqualTo(2);
    }

    @Test
    void aWatchConnectionTakesNoOtherRequestAndCostsOnlyItself() throws IOException {
        WireConnection watcher = connect(MODERN);
        watcher.request(EXT_WATCH_PREFIX).str("/w/").send();
        assertThat(watcher.readI64()).isZero();
        assertThat(server.prefixWatchCount()).isOne();
        watcher.request(GETNUMKEYS).send();
        assertThat(watcher.closedByServer()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.prefixWatchCount() == 0);

        WireConnection other = connect(MODERN);
        other.request(GETNUMKEYS).send();
        assertThat(other.readI64()).isZero();
    }

    @Test
    void ephemeralKeysGoWithTheirConnectionAndWakeWaitersAndWatchers() throws IOException {
        WireConnection owner = connect(MODERN);
        owner.request(EXT_SET_EPHEMERAL).str("/e/member").bytes(utf8("alive")).send();
        assertThat(owner.readU8()).isEqualTo(JavaMasterExtension.STORED);
        owner.request(EXT_SET_EPHEMERAL).str("/e/kept").bytes(utf8("soon permanent")).send();
        assertThat(owner.readU8()).isEqualTo(JavaMasterExtension.STORED);

        WireConnection observer = connect(MODERN);
        observer.request(SET).str("/e/kept").bytes(utf8("permanent")).send(); // a plain SET unties the key
        observer.request(CHECK).keys("/e/member").send();
        assertThat(observer.readU8()).isZero(); // READY
        WireConnection watcher = connect(MODERN);
        watcher.request(EXT_WATCH_PREFIX).str("/e/member").send();
        assertThat(watcher.readI64()).isEqualTo(1);
        watcher.readString();
        watcher.readString();

        assertThat(server.ephemeralKeyCount()).as("/e/kept untied by the SET").isOne();
        owner.close();
        assertThat(watcher.readU8()).isEqualTo(JavaMasterExtension.EVENT_DELETE);
        assertThat(watcher.readString()).isEqualTo("/e/member");
        observer.request(CHECK).keys("/e/member").send();
        assertThat(observer.readU8()).isEqualTo(1); // NOT_READY
        observer.request(CHECK).keys("/e/kept").send();
        assertThat(observer.readU8()).as("set again with SET: permanent").isZero();

        // A waiter for the key is woken by the next owner's set, as by any SET.
        WireConnection waiter = connect(MODERN);
        waiter.request(WAIT).keys("/e/member").send();
        WireConnection next = connect(MODERN);
        next.request(EXT_SET_EPHEMERAL).str("/e/member").bytes(utf8("again")).send();
        assertThat(next.readU8()).isEqualTo(JavaMasterExtension.STORED);
        assertThat(waiter.readU8()).isZero(); // STOP_WAITING
        await().atMost(Duration.ofSeconds(10)).until(() -> server.keyCount() == 2);
        assertThat(server.ephemeralKeyCount()).isOne();
        next.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.ephemeralKeyCount() == 0 && server.keyCount() == 1);
    }
}
