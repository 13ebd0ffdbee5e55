package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.APPEND;
import static dev.kvstore.tcp.protocol.wire.Command.CANCEL_WAIT;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.COMPARE_SET;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.GETNUMKEYS;
import static dev.kvstore.tcp.protocol.wire.Command.LIST_KEYS;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_SET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_LEN;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_POP;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_PUSH;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every command of the PyTorch 2.2+ protocol (VALIDATE first), byte for byte over raw sockets. */
class TcpStoreServerModernProtocolTest {

    private static final TcpProtocol MODERN = TcpProtocol.MODERN;

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();

    private WireConnection connect() throws IOException {
        WireConnection connection = WireConnection.open(server.port(), MODERN);
        running.track(connection);
        return connection;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void setGetDeleteAndCount() throws IOException {
        WireConnection c = connect();
        c.request(SET).str("/a").bytes(utf8("alpha")).send();
        c.request(SET).str("init/").bytes(utf8("1")).send();
        c.request(GET).str("/a").send();
        assertThat(c.readString()).isEqualTo("alpha");
        c.request(GETNUMKEYS).send();
        assertThat(c.readI64()).isEqualTo(2);
        assertThat(server.keyCount()).isEqualTo(2);

        c.request(DELETE_KEY).str("/a").send();
        assertThat(c.readI64()).isEqualTo(1);
        c.request(DELETE_KEY).str("/a").send();
        assertThat(c.readI64()).isZero();
        c.request(CHECK).keys("/a").send();
        assertThat(c.readU8()).isEqualTo(1); // NOT_READY
        c.request(GETNUMKEYS).send();
        assertThat(c.readI64()).isEqualTo(1);
    }

    @Test
    void addCountsInDecimalText() throws IOException {
        WireConnection c = connect();
        c.request(ADD).str("/n").i64(5).send();
        assertThat(c.readI64()).isEqualTo(5);
        c.request(ADD).str("/n").i64(-7).send();
        assertThat(c.readI64()).isEqualTo(-2);
        c.request(GET).str("/n").send();
        assertThat(c.readString()).isEqualTo("-2");
        c.request(SET).str("/m").bytes(utf8("40")).send();
        c.request(ADD).str("/m").i64(2).send();
        assertThat(c.readI64()).isEqualTo(42);
    }

    @Test
    void compareSetFollowsPyTorchSemantics() throws IOException {
        WireConnection c = connect();
        // Missing key, empty expected: stores desired and returns it.
        c.request(COMPARE_SET).str("/k").bytes(new byte[0]).bytes(utf8("v1")).send();
        assertThat(c.readString()).isEqualTo("v1");
        // Present, expected matches: replaced.
        c.request(COMPARE_SET).str("/k").bytes(utf8("v1")).bytes(utf8("v2")).send();
        assertThat(c.readString()).isEqualTo("v2");
        // Present, expected differs: unchanged, current value returned.
        c.request(COMPARE_SET).str("/k").bytes(utf8("v1")).bytes(utf8("v3")).send();
        assertThat(c.readString()).isEqualTo("v2");
        // Missing key, non-empty expected: nothing stored, expected returned.
        c.request(COMPARE_SET).str("/none").bytes(utf8("x")).bytes(utf8("y")).send();
        assertThat(c.readString()).isEqualTo("x");
        c.request(CHECK).keys("/none").send();
        assertThat(c.readU8()).isEqualTo(1);
    }

    @Test
    void waitIsAnsweredWhenAnotherConnectionSetsTheKeys() throws IOException {
        WireConnection waiter = connect();
        WireConnection writer = connect();
        writer.request(SET).str("/present").bytes(utf8("1")).send();
        writer.request(PING).u32(1).send();
        assertThat(writer.readU32()).isEqualTo(1);

        waiter.request(WAIT).keys("/present", "/a", "/b").send();
        // Requests after a WAIT are still served; their reply comes first while the WAIT is pending.
        waiter.request(PING).u32(0xCAFE).send();
        assertThat(waiter.readU32()).isEqualTo(0xCAFE);
        await().until(() -> server.waiterCount() == 1);

        writer.request(SET).str("/a").bytes(utf8("x")).send();
        waiter.request(PING).u32(2).send();
        assertThat(waiter.readU32()).as("still waiting for /b").isEqualTo(2);

        writer.request(APPEND).str("/b").bytes(utf8("y")).send();
        assertThat(waiter.readU8()).isZero(); // STOP_WAITING
        assertThat(server.waiterCount()).isZero();

        waiter.request(WAIT).keys("/a", "/b").send();
        assertThat(waiter.readU8()).as("keys present: answered at once").isZero();
    }

    @Test
    void addAndCompareSetAndMultiSetWakeWaiters() throws IOException {
        WireConnection waiter = connect();
        WireConnection writer = connect();
        waiter.request(WAIT).keys("/added").send();
        writer.request(ADD).str("/added").i64(1).send();
        assertThat(writer.readI64()).isEqualTo(1);
        assertThat(waiter.readU8()).isZero();

        waiter.request(WAIT).keys("/cas").send();
        writer.request(COMPARE_SET).str("/cas").bytes(new byte[0]).bytes(utf8("c")).send();
        assertThat(writer.readString()).isEqualTo("c");
        assertThat(waiter.readU8()).isZero();

        waiter.request(WAIT).keys("/m1", "/m2").send();
        writer.request(MULTI_SET).i64(2).str("/m1").bytes(utf8("1")).str("/m2").bytes(utf8("2")).send();
        assertThat(waiter.readU8()).isZero();
    }

    @Test
    void cancelWaitClearsThisConnectionsWaits() throws IOException {
        WireConnection waiter = connect();
        WireConnection writer = connect();
        waiter.request(WAIT).keys("/never").send();
        await().until(() -> server.waiterCount() == 1);
        waiter.request(CANCEL_WAIT).send();
        assertThat(waiter.readU8()).isEqualTo(1); // WAIT_CANCELED
        assertThat(server.waiterCount()).isZero();

        // A later set of the key does not send a stale STOP_WAITING.
        writer.request(SET).str("/never").bytes(utf8("now")).send();
        writer.request(PING).u32(3).send();
        assertThat(writer.readU32()).isEqualTo(3);
        waiter.request(PING).u32(4).send();
        assertThat(waiter.readU32()).isEqualTo(4);
    }

    @Test
    void appendMultiGetMultiSet() throws IOException {
        WireConnection c = connect();
        c.request(APPEND).str("/log").bytes(utf8("a")).send();
        c.request(APPEND).str("/log").bytes(utf8("bc")).send();
        c.request(MULTI_SET).i64(2).str("/x").bytes(utf8("1")).str("/y").bytes(new byte[0]).send();
        c.request(MULTI_GET).keys("/log", "/x", "/y").send();
        assertThat(c.readString()).isEqualTo("abc");
        assertThat(c.readString()).isEqualTo("1");
        assertThat(c.readBytes()).isEmpty();
    }

    @Test
    void pingEchoesTheNonce() throws IOException {
        WireConnection c = connect();
        c.request(PING).u32(0xFFFF_FFFE).send();
        assertThat(c.readU32()).isEqualTo(0xFFFF_FFFEL);
    }

    @Test
    void queuesPushPopLenAndWakeAWaiter() throws IOException {
        WireConnection c = connect();
        WireConnection other = connect();
        c.request(QUEUE_POP).str("/q").send();
        assertThat(c.readI64()).as("empty queue: length 0, no value").isZero();
        c.request(QUEUE_LEN).str("/q").send();
        assertThat(c.readI64()).isZero();

        other.request(WAIT).keys("/q").send();
        await().until(() -> server.waiterCount() == 1);
        c.request(QUEUE_PUSH).str("/q").bytes(utf8("first")).send();
        c.request(QUEUE_PUSH).str("/q").bytes(utf8("second")).send();
        assertThat(other.readU8()).as("a push wakes a waiter").isZero();

        c.request(QUEUE_LEN).str("/q").send();
        assertThat(c.readI64()).isEqualTo(2);
        c.request(CHECK).keys("/q").send();
        assertThat(c.readU8()).as("a non-empty queue counts as ready").isZero();
        c.request(QUEUE_POP).str("/q").send();
        assertThat(c.readI64()).isEqualTo(2);
        assertThat(c.readString()).isEqualTo("first");
        c.request(QUEUE_POP).str("/q").send();
        assertThat(c.readI64()).isEqualTo(1);
        assertThat(c.readString()).isEqualTo("second");
        c.request(QUEUE_POP).str("/q").send();
        assertThat(c.readI64()).isZero();
        c.request(GETNUMKEYS).send();
        assertThat(c.readI64()).as("queues are not keys").isZero();
    }

    @Test
    void listKeysReturnsStoredKeys() throws IOException {
        WireConnection c = connect();
        c.request(SET).str("/a").bytes(utf8("1")).send();
        c.request(ADD).str("init/").i64(1).send();
        assertThat(c.readI64()).isEqualTo(1);
        c.request(LIST_KEYS).send();
        long n = c.readI64();
        List<String> keys = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            keys.add(c.readString());
        }
        assertThat(keys).containsExactlyInAnyOrder("/a", "init/");
    }

    @Test
    void requestsSplitByteByByteAreParsed() throws IOException {
        WireConnection waiter = WireConnection.openRaw(server.port(), MODERN);
        running.track(waiter);
        waiter.frame().u8(0).u32(WireFormat.VALIDATE_MAGIC).sendByteByByte();
        waiter.request(WAIT).keys("/split").sendByteByByte();
        WireConnection writer = connect();
        writer.request(SET).str("/split").bytes(utf8("value")).sendByteByByte();
        assertThat(waiter.readU8()).isZero();
        waiter.request(MULTI_GET).keys("/split", "/split").sendByteByByte();
        assertThat(waiter.readString()).isEqualTo("value");
        assertThat(waiter.readString()).isEqualTo("value");
        waiter.request(ADD).str("/counter").i64(3).sendByteByByte();
        assertThat(waiter.readI64()).isEqualTo(3);
        waiter.request(PING).u32(77).sendByteByByte();
        assertThat(waiter.readU32()).isEqualTo(77);
    }

    @Test
    void pipelinedRequestsInOneWriteAreAllServed() throws IOException {
        WireConnection c = connect();
        var frame = c.request(SET).str("/p").bytes(utf8("1"));
        frame.u8(ADD.opcode(MODERN)).str("/p").i64(1);
        frame.u8(GET.opcode(MODERN)).str("/p");
        frame.u8(GETNUMKEYS.opcode(MODERN));
        frame.send();
        assertThat(c.readI64()).isEqualTo(2);
        assertThat(c.readString()).isEqualTo("2");
        assertThat(c.readI64()).isEqualTo(1);
    }

    @Test
    void keysAreStoredAsTheirRawBytes() throws IOException {
        WireConnection c = connect();
        byte[] key = {(byte) 0xFF, 0x00, (byte) 0xC3, 0x28};
        c.request(SET).bytes(key).bytes(utf8("raw")).send();
        c.request(GET).bytes(key).send();
        assertThat(c.readString()).isEqualTo("raw");
        c.request(LIST_KEYS).send();
        assertThat(c.readI64()).isEqualTo(1);
        assertThat(c.readBytes()).isEqualTo(key);
    }
}
