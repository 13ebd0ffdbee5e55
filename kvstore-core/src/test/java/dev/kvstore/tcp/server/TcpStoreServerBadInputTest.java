package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_SET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.VALIDATE;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input closes the offending connection only: the server keeps serving others, keeps its data, and clears what
 * a vanished client held.
 */
class TcpStoreServerBadInputTest {

    private static final TcpProtocol MODERN = TcpProtocol.MODERN;

    @RegisterExtension
    final RunningServer running =
            new RunningServer(settings -> settings.maxKeyBytes(64).maxValueBytes(1024).maxKeysPerRequest(4));
    private final TcpStoreServer server = running.server();
    private WireConnection healthy;

    @BeforeEach
    void storeAKeyToKeep() throws IOException {
        healthy = connect(MODERN);
        healthy.request(SET).str("/kept").bytes(utf8("safe")).send();
        healthy.request(PING).u32(1).send();
        assertThat(healthy.readU32()).as("the SET is served before the tests' other connections act").isEqualTo(1);
    }

    private WireConnection connect(TcpProtocol generation) throws IOException {
        return running.connect(generation);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The server still serves the healthy connection and has lost nothing. */
    private void assertServerUnharmed() throws IOException {
        healthy.request(GET).str("/kept").send();
        assertThat(healthy.readString()).isEqualTo("safe");
        WireConnection fresh = connect(MODERN);
        fresh.request(PING).u32(9).send();
        assertThat(fresh.readU32()).isEqualTo(9);
    }

    @ParameterizedTest
    @ValueSource(ints = {18, 99, 255})
    void unknownModernOpcodeClosesThatConnection(int opcode) throws IOException {
        WireConnection bad = connect(MODERN);
        bad.frame().u8(opcode).send();
        assertThat(bad.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @Test
    void opcodesOfNewerGenerationsAreUnknownToLegacyClients() throws IOException {
        WireConnection bad = connect(TcpProtocol.LEGACY);
        bad.frame().u8(9).str("/x").bytes(utf8("y")).send(); // APPEND in 2.2+, nothing in 1.13
        assertThat(bad.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @Test
    void validateWithAWrongMagicLaterOnClosesTheConnection() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(VALIDATE).u32(0x12345678).send();
        assertThat(bad.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @Test
    void truncatedFrameThenDisconnectLeavesNothingBehind() throws IOException {
        WireConnection bad = connect(MODERN);
        byte[] frame = bad.request(SET).str("/half").bytes(utf8("value")).toBytes();
        bad.frame().raw(java.util.Arrays.copyOf(frame, frame.length - 2)).send();
        bad.close();
        await().until(() -> server.connectionCount() == 1);
        healthy.request(CHECK).keys("/half").send();
        assertThat(healthy.readU8()).as("a half-received SET stores nothing").isEqualTo(1);
        assertServerUnharmed();
    }

    @Test
    void keyLongerThanTheLimitClosesTheConnection() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(SET).str("/" + "k".repeat(64)).bytes(utf8("v")).send();
        assertThat(bad.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @Test
    void keyAtTheLimitIsFine() throws IOException {
        WireConnection c = connect(MODERN);
        String key = "/" + "k".repeat(63);
        c.request(SET).str(key).bytes(new byte[1024]).send();
        c.request(GET).str(key).send();
        assertThat(c.readBytes()).hasSize(1024);
    }

    @Test
    void valueLongerThanTheLimitClosesTheConnection() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(SET).str("/big").i64(1025).send(); // the length alone is enough to refuse
        assertThat(bad.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L, Integer.MAX_VALUE + 1L})
    void hugeUnsignedLengthsNeverAllocate(long length) throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(SET).i64(length).send(); // 2^63, 2^64-1, 2^31 as a key length
        assertThat(bad.closedByServer()).isTrue();
        WireConnection bad2 = connect(MODERN);
        bad2.request(SET).str("/v").i64(length).send();
        assertThat(bad2.closedByServer()).isTrue();
        WireConnection bad3 = connect(MODERN);
        bad3.request(WAIT).i64(length).send();
        assertThat(bad3.closedByServer()).isTrue();
        assertServerUnharmed();
    }

    @Test
    void tooManyKeysInOneRequestClosesTheConnection() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(MULTI_SET).i64(5).send();
        assertThat(bad.closedByServer()).isTrue();
        WireConnection atLimit = connect(MODERN);
        atLimit.request(CHECK).keys("/kept", "/kept", "/kept", "/kept").send();
        assertThat(atLimit.readU8()).isZero();
        assertServerUnharmed();
    }

    @Test
    void getOfAMissingKeyClosesTheConnectionAsPyTorchDoes() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(GET).str("/missing").send();
        assertThat(bad.closedByServer()).isTrue();
        WireConnection bad2 = connect(MODERN);
        bad2.request(MULTI_GET).keys("/kept", "/missing").send();
        assertThat(bad2.closedByServer()).as("no partial MULTI_GET reply").isTrue();
        assertServerUnharmed();
    }

    @Test
    void addToANonNumberClosesTheConnectionAndKeepsTheValue() throws IOException {
        WireConnection bad = connect(MODERN);
        bad.request(ADD).str("/kept").i64(1).send();
        assertThat(bad.closedByServer()).isTrue();
        WireConnection overflow = connect(MODERN);
        overflow.request(ADD).str("/max").i64(Long.MAX_VALUE).send();
        assertThat(overflow.readI64()).isEqualTo(Long.MAX_VALUE);
        overflow.request(ADD).str("/max").i64(1).send();
        assertThat(overflow.closedByServer()).isTrue();
        healthy.request(GET).str("/max").send();
        assertThat(healthy.readString()).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertServerUnharmed();
    }

    @Test
    void addParsesStoredTextLikeStoll() throws IOException {
        healthy.request(SET).str("/lenient").bytes(utf8(" 12abc")).send();
        healthy.request(ADD).str("/lenient").i64(1).send();
        assertThat(healthy.readI64()).isEqualTo(13);
        healthy.request(GET).str("/lenient").send();
        assertThat(healthy.readString()).isEqualTo("13");
    }

    @Test
    void aClientVanishingMidWaitHasItsWaitsCleared() throws IOException {
        WireConnection vanishing = connect(TcpProtocol.LEGACY);
        vanishing.request(WAIT).keys("/never", "/nor-this").send();
        WireConnection other = connect(MODERN);
        other.request(WAIT).keys("/later").send();
        await().until(() -> server.waiterCount() == 2);

        vanishing.close();
        await().until(() -> server.waiterCount() == 1);
        healthy.request(SET).str("/never").bytes(utf8("1")).send();
        healthy.request(SET).str("/nor-this").bytes(utf8("1")).send();
        healthy.request(SET).str("/later").bytes(utf8("1")).send();
        assertThat(other.readU8()).as("the other waiter is still answered").isZero();
        assertThat(server.waiterCount()).isZero();
        assertServerUnharmed();
    }

    @Test
    void bindingAPortInUseNamesHostAndPort() {
        TcpStoreServer second = TcpStoreServer.builder().port(server.port()).build();
        assertThatThrownBy(second::start)
                .isInstanceOf(TcpStoreServerException.class)
                .hasMessageContaining("127.0.0.1:" + server.port());
        second.close();
    }

    @Test
    void bindingAnUnknownHostNamesIt() {
        TcpStoreServer bad = TcpStoreServer.builder().host("no-such-host.invalid").port(0).build();
        assertThatThrownBy(bad::start)
                .isInstanceOf(TcpStoreServerException.class)
                .hasMessageContaining("no-such-host.invalid:0");
    }

    @Test
    void closeStopsEverythingAndIsIdempotent() throws IOException {
        WireConnection waiting = connect(MODERN);
        waiting.request(WAIT).keys("/never").send();
        await().until(() -> server.waiterCount() == 1);
        int port = server.port();
        server.close();
        server.close();
        assertThat(waiting.closedByServer()).isTrue();
        assertThat(server.connectionCount()).isZero();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("kvstore-tcpstore-server-" + port));
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }
}
