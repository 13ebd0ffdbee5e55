package dev.kvstore.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's bytes on the wire, per protocol generation, checked against a raw server socket that this test
 * drives: it reads exactly what PyTorch's server would read and answers by hand.
 */
class TcpStoreClientWireTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ServerSocket listener;
    private Socket peer;
    private DataInputStream fromClient;
    private OutputStream toClient;
    private TcpStoreClient client;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(10_000);
    }

    @AfterEach
    void closeAll() throws IOException {
        if (client != null) {
            client.close();
        }
        if (peer != null) {
            peer.close();
        }
        listener.close();
    }

    private void connect(TcpProtocol protocol) throws IOException {
        client = TcpStoreClient.connect("127.0.0.1", listener.getLocalPort(), protocol, TIMEOUT);
        peer = listener.accept();
        peer.setSoTimeout(10_000);
        fromClient = new DataInputStream(peer.getInputStream());
        toClient = peer.getOutputStream();
    }

    // --- server-side reading and answering ---------------------------------------------------------------------

    private byte[] read(int n) throws IOException {
        byte[] bytes = new byte[n];
        fromClient.readFully(bytes);
        return bytes;
    }

    private int readU8() throws IOException {
        return fromClient.readUnsignedByte();
    }

    private long readU64() throws IOException {
        return ByteBuffer.wrap(read(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private String readString() throws IOException {
        return new String(read((int) readU64()), StandardCharsets.UTF_8);
    }

    private void expectKeyList(String... keys) throws IOException {
        assertThat(readU64()).isEqualTo(keys.length);
        for (String key : keys) {
            assertThat(readString()).isEqualTo(key);
        }
    }

    private void answer(byte... bytes) throws IOException {
        toClient.write(bytes);
        toClient.flush();
    }

    private void answerI64(long v) throws IOException {
        answer(le64(v));
    }

    private void answerBytes(byte[] value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(le64(value.length));
        out.write(value);
        answer(out.toByteArray());
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs a client call in the background while the test plays the server. */
    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> call) {
        return CompletableFuture.supplyAsync(call);
    }

    // --- tests ---------------------------------------------------------------------------------------------------

    @Test
    void aConnectionSpeaksOneGenerationNotAuto() {
        assertThatThrownBy(() -> TcpStoreClient.connect("127.0.0.1", listener.getLocalPort(), TcpProtocol.AUTO,
                TIMEOUT)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not AUTO");
    }

    @Test
    void modernSendsValidateFirstThenModernOpcodes() throws Exception {
        connect(TcpProtocol.MODERN);
        assertThat(read(5)).as("VALIDATE + magic 0x3C85F7CE little-endian")
                .containsExactly(0x00, 0xCE, 0xF7, 0x85, 0x3C);

        client.set("a/b", utf8("v1"));
        byte[] set = read(1 + 8 + 4 + 8 + 2);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(1);
        expected.write(le64(4));
        expected.write(utf8("/a/b"));
        expected.write(le64(2));
        expected.write(utf8("v1"));
        assertThat(set).as("SET '/a/b' = 'v1'").isEqualTo(expected.toByteArray());

        CompletableFuture<Long> add = async(() -> client.add("n", -2));
        assertThat(readU8()).as("ADD").isEqualTo(4);
        assertThat(readString()).isEqualTo("/n");
        assertThat(readU64()).isEqualTo(-2L);
        answerI64(40);
        assertThat(add.get(10, TimeUnit.SECONDS)).isEqualTo(40);

        CompletableFuture<Boolean> delete = async(() -> client.deleteKey("gone"));
        assertThat(readU8()).as("DELETE_KEY").isEqualTo(8);
        assertThat(readString()).isEqualTo("/gone");
        answerI64(1);
        assertThat(delete.get(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<byte[]> cas = async(() -> client.compareSet("c", new byte[0], utf8("d")));
        assertThat(readU8()).as("COMPARE_SET").isEqualTo(2);
        assertThat(readString()).isEqualTo("/c");
        assertThat(readU64()).isZero();
        assertThat(readString()).isEqualTo("d");
        answerBytes(utf8("d"));
        assertThat(cas.get(10, TimeUnit.SECONDS)).isEqualTo(utf8("d"));

        CompletableFuture<List<String>> list = async(() -> client.listKeys());
        assertThat(readU8()).as("LIST_KEYS").isEqualTo(17);
        answerI64(2);
        answerBytes(utf8("init/"));
        answerBytes(utf8("/x/y"));
        assertThat(list.get(10, TimeUnit.SECONDS)).containsExactly("x/y");
    }

    @Test
    void modernGetIsWaitThenGet() throws Exception {
        connect(TcpProtocol.MODERN);
        read(5);
        CompletableFuture<byte[]> get = async(() -> client.get("k"));
        assertThat(readU8()).as("WAIT").isEqualTo(6);
        expectKeyList("/k");
        answer((byte) 0);
        assertThat(readU8()).as("GET").isEqualTo(3);
        assertThat(readString()).isEqualTo("/k");
        answerBytes(new byte[] {0, (byte) 0xFF});
        assertThat(get.get(10, TimeUnit.SECONDS)).containsExactly(0, 0xFF);
    }

    @Test
    void modernWaitTimeoutSendsCancelWaitAndKeepsTheConnection() throws Exception {
        connect(TcpProtocol.MODERN);
        read(5);
        CompletableFuture<Void> wait = CompletableFuture.runAsync(
                () -> client.wait(List.of("a", "b"), Duration.ofMillis(200)));
        assertThat(readU8()).as("WAIT").isEqualTo(6);
        expectKeyList("/a", "/b");
        // No answer: the client's timeout passes and it cancels.
        assertThat(readU8()).as("CANCEL_WAIT").isEqualTo(12);
        answer((byte) 1);
        assertThat(wait).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(KVStoreTimeoutException.class)
                .withMessageContaining("/a").withMessageContaining("127.0.0.1:" + listener.getLocalPort());
        assertThat(client.isOpen()).isTrue();

        CompletableFuture<Long> numKeys = async(() -> client.numKeys());
        assertThat(readU8()).as("GETNUMKEYS on the same connection").isEqualTo(7);
        answerI64(3);
        assertThat(numKeys.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    }

    @Test
    void aStopWaitingThatCrossesTheCancelSatisfiesTheWait() throws Exception {
        connect(TcpProtocol.V2_1);
        CompletableFuture<Void> wait = CompletableFuture.runAsync(() -> client.wait(List.of("k"), Duration.ofMillis(200)));
        assertThat(readU8()).as("WAIT (2.1)").isEqualTo(5);
        expectKeyList("/k");
        assertThat(readU8()).as("CANCEL_WAIT (2.1)").isEqualTo(11);
        answer((byte) 0, (byte) 1); // STOP_WAITING was in flight, then WAIT_CANCELED
        wait.get(10, TimeUnit.SECONDS);
        assertThat(client.isOpen()).isTrue();

        CompletableFuture<Boolean> check = async(() -> client.check(List.of("k")));
        assertThat(readU8()).as("CHECK").isEqualTo(4);
        expectKeyList("/k");
        answer((byte) 0);
        assertThat(check.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anAcknowledgedSetPipelinesACheckAndAwaitsItsReply() throws Exception {
        connect(TcpProtocol.MODERN);
        read(5);
        CompletableFuture<Void> set = CompletableFuture.runAsync(() -> client.setAcknowledged("k", utf8("v")));
        assertThat(readU8()).as("SET").isEqualTo(1);
        assertThat(readString()).isEqualTo("/k");
        assertThat(readString()).isEqualTo("v");
        assertThat(readU8()).as("CHECK right behind it").isEqualTo(5);
        expectKeyList("/k");
        assertThat(set).as("returns only once the server answered").isNotDone();
        answer((byte) 0);
        set.get(10, TimeUnit.SECONDS);
    }

    @Test
    void v21HasNoHandshakeAndItsOwnNumbering() throws Exception {
        connect(TcpProtocol.V2_1);
        client.set("k", utf8("v"));
        assertThat(readU8()).as("SET (2.1), no VALIDATE before it").isEqualTo(0);
        assertThat(readString()).isEqualTo("/k");
        assertThat(readString()).isEqualTo("v");

        CompletableFuture<Boolean> delete = async(() -> client.deleteKey("k"));
        assertThat(readU8()).as("DELETE_KEY (2.1)").isEqualTo(7);
        assertThat(readString()).isEqualTo("/k");
        answerI64(0);
        assertThat(delete.get(10, TimeUnit.SECONDS)).isFalse();

        client.append("k", utf8("+"));
        assertThat(readU8()).as("APPEND (2.1)").isEqualTo(8);
        assertThat(readString()).isEqualTo("/k");
        assertThat(readString()).isEqualTo("+");

        client.multiSet(List.of("x", "y"), List.of(utf8("1"), utf8("2")));
        assertThat(readU8()).as("MULTI_SET (2.1)").isEqualTo(10);
        assertThat(readU64()).isEqualTo(2);
        assertThat(readString()).isEqualTo("/x");
        assertThat(readString()).isEqualTo("1");
        assertThat(readString()).isEqualTo("/y");
        assertThat(readString()).isEqualTo("2");

        CompletableFuture<List<byte[]>> multiGet = async(() -> client.multiGet(List.of("x", "y")));
        assertThat(readU8()).as("MULTI_GET (2.1)").isEqualTo(9);
        expectKeyList("/x", "/y");
        answerBytes(utf8("1"));
        answerBytes(utf8("2"));
        assertThat(multiGet.get(10, TimeUnit.SECONDS)).containsExactly(utf8("1"), utf8("2"));

        assertThatThrownBy(() -> client.listKeys()).isExactlyInstanceOf(KVStoreException.class)
                .hasMessageContaining("LIST_KEYS is not part of the V2_1 protocol");
        assertThat(client.isOpen()).as("nothing was sent: the connection stays usable").isTrue();
    }

    @Test
    void legacyWaitTimeoutClosesTheConnectionWithoutCancel() throws Exception {
        connect(TcpProtocol.LEGACY);
        CompletableFuture<Void> wait = CompletableFuture.runAsync(() -> client.wait(List.of("k"), Duration.ofMillis(200)));
        assertThat(readU8()).as("WAIT (1.13)").isEqualTo(5);
        expectKeyList("/k");
        assertThat(wait).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(KVStoreTimeoutException.class).withMessageContaining("connection closed");
        assertThat(client.isOpen()).isFalse();
        assertThat(fromClient.read()).as("the client closed the socket instead of sending anything").isEqualTo(-1);
    }

    @Test
    void legacyDeleteAndInitCounter() throws Exception {
        connect(TcpProtocol.LEGACY);
        CompletableFuture<Long> add = async(() -> client.addRaw(TcpStoreClient.INIT_KEY, 1));
        assertThat(readU8()).as("ADD (1.13)").isEqualTo(3);
        assertThat(readString()).as("the worker counter has no '/' prefix").isEqualTo("init/");
        assertThat(readU64()).isEqualTo(1);
        answerI64(1);
        assertThat(add.get(10, TimeUnit.SECONDS)).isEqualTo(1);

        CompletableFuture<Boolean> delete = async(() -> client.deleteKey("k"));
        assertThat(readU8()).as("DELETE_KEY (1.13)").isEqualTo(8);
        assertThat(readString()).isEqualTo("/k");
        answerI64(1);
        assertThat(delete.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aMalformedReplyClosesTheConnection() throws Exception {
        connect(TcpProtocol.LEGACY);
        CompletableFuture<Boolean> check = async(() -> client.check(List.of("k")));
        assertThat(readU8()).isEqualTo(4);
        expectKeyList("/k");
        answer((byte) 7);
        assertThat(check).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(KVStoreConnectionException.class).withMessageContaining("malformed");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aServerThatHangsUpFailsTheCallNamingTheKey() throws Exception {
        connect(TcpProtocol.LEGACY);
        CompletableFuture<byte[]> get = async(() -> client.getRaw("/lost"));
        assertThat(readU8()).isEqualTo(2);
        assertThat(readString()).isEqualTo("/lost");
        peer.close();
        assertThat(get).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .havingCause().isInstanceOf(KVStoreConnectionException.class)
                .withMessageContaining("/lost").withMessageContaining("closed the connection");
    }
}
