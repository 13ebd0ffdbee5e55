package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.kvstore.CapturedLog;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attacks on the master's memory and its event loop, each against a real server over real sockets: declared lengths
 * cost nothing, the pending-bytes budget closes the connection holding the most, a stalled request times out while
 * an idle connection stays, an error while serving one connection costs that connection only, a dead event loop is
 * restarted with the keys intact, a SET past the store limit is logged and counted, hostile closes are aggregated.
 */
class TcpStoreServerHostileClientsTest {

    private static final TcpProtocol MODERN = TcpProtocol.MODERN;
    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    final RunningServer running = RunningServer.startedByEachTest();
    private TcpStoreServer server;
    @RegisterExtension
    final CapturedLog serverLog = new CapturedLog(TcpStoreServer.class);

    private void start(TcpStoreServer.Builder builder) throws IOException {
        server = running.start(builder);
        WireConnection setup = connect();
        setup.request(SET).str("/sentinel").bytes(utf8("intact")).send();
        setup.request(PING).u32(1).send();
        assertThat(setup.readU32()).isEqualTo(1);
    }

    private WireConnection connect() throws IOException {
        return running.connect(MODERN);
    }

    private Socket rawSocket() throws IOException {
        return running.rawSocket();
    }

    /** The sentinel is intact and a new client is served. */
    private void assertServerUnharmed() throws IOException {
        WireConnection fresh = connect();
        fresh.request(GET).str("/sentinel").send();
        assertThat(fresh.readString()).isEqualTo("intact");
        fresh.request(PING).u32(7).send();
        assertThat(fresh.readU32()).isEqualTo(7);
    }

    @Test
    void aDeclaredLengthCostsNothingUntilItsBytesArrive() throws IOException {
        start(TcpStoreServer.builder());
        for (int i = 0; i < 120; i++) {
            send(rawSocket(), legacySetHeader("/k1", 8 * MIB));
        }
        await().until(() -> server.connectionCount() == 121 && server.status().pendingBytes() > 0);
        // Every connection has sent its header; the last one's bytes may still be on their way.
        await().until(() -> server.status().pendingBytes() >= 120 * 3);
        assertThat(server.status().pendingBytes()).as("120 connections declaring 8 MiB each (960 MiB) hold")
                .isLessThan(120 * 1024);

        Socket sending = rawSocket();
        send(sending, legacySetHeader("/k2", 8 * MIB));
        send(sending, new byte[100 * 1024]);
        long withOneSender = 120L * 1024 + 2 * 100 * 1024;
        await().until(() -> server.status().pendingBytes() >= 100 * 1024);
        assertThat(server.status().pendingBytes()).as("a buffer grows with what arrived, at most twice it")
                .isLessThan(withOneSender);
        assertServerUnharmed();
    }

    @Test
    void pastThePendingBudgetTheConnectionHoldingTheMostIsClosedAndOthersComplete() throws IOException {
        start(TcpStoreServer.builder().maxPendingBytes(6L * MIB));
        Socket largest = rawSocket();
        send(largest, legacySetHeader("/a", 4 * MIB));
        send(largest, new byte[4 * MIB - 1]);
        Socket small = rawSocket();
        send(small, legacySetHeader("/b", MIB));
        send(small, filled(MIB / 2, (byte) 'b'));
        await().until(() -> server.status().pendingBytes() >= 4L * MIB + MIB / 2);

        Socket third = rawSocket();
        send(third, legacySetHeader("/c", 2 * MIB));
        send(third, filled(3 * MIB / 2, (byte) 'c'));
        await().until(() -> server.status().refused(Refusal.PENDING_BUDGET) == 1);
        assertThat(closedByServer(largest)).as("the connection holding the most").isTrue();
        assertThat(server.status().pendingBytes()).isLessThanOrEqualTo(6L * MIB);

        send(small, filled(MIB / 2, (byte) 'b'));
        send(third, filled(MIB / 2, (byte) 'c'));
        WireConnection reader = connect();
        reader.request(WAIT).keys("/b", "/c").send();
        assertThat(reader.readU8()).as("the others' requests complete").isZero();
        reader.request(GET).str("/c").send();
        assertThat(reader.readBytes()).hasSize(2 * MIB).containsOnly((byte) 'c');
        assertThat(server.status().refused(Refusal.PENDING_BUDGET)).isOne();
        assertThat(server.status().pendingBytes()).isZero();
        assertServerUnharmed();
    }

    @Test
    void aStalledRequestIsClosedAfterThePartialTimeoutWhileIdleAndSlowConnectionsStay() throws Exception {
        start(TcpStoreServer.builder().partialRequestTimeout(Duration.ofSeconds(1)));
        WireConnection idle = connect();
        idle.request(PING).u32(1).send();
        assertThat(idle.readU32()).isEqualTo(1);

        Socket stalled = rawSocket();
        long sentAt = System.nanoTime();
        send(stalled, legacySetHeader("/k1", 8 * MIB));
        send(stalled, new byte[10]);
        assertThat(closedByServer(stalled)).as("closed within the 10 s read timeout").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - sentAt)).as("not before the partial-request timeout")
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(server.status().refused(Refusal.PARTIAL_REQUEST_TIMEOUT)).isOne();

        // A sender that keeps making progress is not stalled, however long its request takes in all.
        Socket slow = rawSocket();
        byte[] request = concat(legacySetHeader("/slow", 12), utf8("twelve bytes"));
        for (byte b : request) {
            send(slow, new byte[] {b});
            Thread.sleep(150); // pacing a slow sender: 3 s in all, 150 ms between bytes
        }
        WireConnection reader = connect();
        reader.request(GET).str("/slow").send();
        assertThat(reader.readString()).isEqualTo("twelve bytes");

        idle.request(PING).u32(2).send();
        assertThat(idle.readU32()).as("an idle connection between requests stays").isEqualTo(2);
        assertThat(server.status().refused(Refusal.PARTIAL_REQUEST_TIMEOUT)).isOne();
        assertServerUnharmed();
    }

    @Test
    void anErrorWhileServingOneConnectionClosesThatConnectionOnly() throws IOException {
        start(TcpStoreServer.builder());
        WireConnection waiter = connect();
        waiter.request(WAIT).keys("/later").send();
        await().until(() -> server.waiterCount() == 1);

        Socket victim = rawSocket();
        String victimPeer = "127.0.0.1:" + victim.getLocalPort();
        server.beforeServingForTesting(peer -> {
            if (peer.equals(victimPeer)) {
                throw new OutOfMemoryError("injected while serving " + peer);
            }
        });
        send(victim, new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C});
        assertThat(closedByServer(victim)).isTrue();
        server.beforeServingForTesting(null);

        await().until(() -> server.status().lastIncident() != null);
        ServerStatus status = server.status();
        assertThat(status.serving()).isTrue();
        assertThat(status.loopRestarts()).isZero();
        assertThat(status.refused(Refusal.FAILURE)).isOne();
        assertThat(status.lastIncident().description()).contains(victimPeer, "injected");
        assertThat(server.waiterCount()).as("the other connection's wait is still pending").isOne();
        WireConnection writer = connect();
        writer.request(SET).str("/later").bytes(utf8("now")).send();
        assertThat(waiter.readU8()).as("and is answered").isZero();
        assertThat(errorLines()).anyMatch(line -> line.contains("closed the connection of client " + victimPeer));
        assertServerUnharmed();
    }

    @Test
    void aDeadEventLoopIsRestartedOnTheSamePortWithTheKeysIntact() throws IOException {
        start(TcpStoreServer.builder());
        int port = server.port();
        WireConnection waiter = connect();
        waiter.request(WAIT).keys("/never").send();
        await().until(() -> server.waiterCount() == 1);

        server.killLoopForTesting(new InternalError("injected loop failure"));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.status().loopRestarts() == 1
                && server.status().serving());
        assertThat(waiter.closedByServer()).as("the failed loop's connections are closed").isTrue();
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.waiterCount()).as("waits of closed connections are gone").isZero();
        assertThat(server.status().lastIncident().description()).contains("event loop died", "injected loop failure");
        assertThat(errorLines()).anyMatch(line -> line.contains("restarting it") && line.contains("keys intact"));
        assertServerUnharmed();
    }

    @Test
    void acceptedConnectionsCountEveryClientAlsoOnesGoneBeforeTheServerSawThem() throws IOException {
        start(TcpStoreServer.builder().port(0));
        long before = server.status().acceptedConnections();
        assertThat(before).as("the setup client").isOne();
        Socket reset = rawSocket();
        reset.getOutputStream().write(new byte[] {(byte) 0xFF, 1, 2, 3}); // no opcode of any generation
        reset.setSoLinger(true, 0);
        reset.close();
        connect();
        await().until(() -> server.status().acceptedConnections() == before + 2);
        await().until(() -> server.connectionCount() == 2);
    }

    @Test
    void statusReportsServingFromStartUntilClose() {
        TcpStoreServer unstarted = running.track(TcpStoreServer.builder().port(0).build());
        assertThat(unstarted.status().serving()).isFalse();
        server = unstarted.start();
        assertThat(server.status().serving()).as("right after start").isTrue();
        assertThat(server.status().refusals()).containsOnlyKeys(Refusal.values()).allSatisfy((reason, count) ->
                assertThat(count).isZero());
        server.close();
        assertThat(server.status().serving()).as("after close").isFalse();
        assertThat(server.status().loopRestarts()).as("a close is no failure").isZero();
        assertThat(server.status().lastIncident()).isNull();
    }

    @Test
    void aSetPastTheStoreLimitIsLoggedWithKeyAndSizesCountedAndClosesItsConnection() throws IOException {
        start(TcpStoreServer.builder().maxStoreBytes(64 * 1024));
        WireConnection writer = connect();
        writer.request(SET).str("/too/big").bytes(new byte[100 * 1024]).send();
        assertThat(writer.closedByServer()).isTrue();
        assertThat(server.status().writesDroppedPastStoreLimit()).isOne();
        assertThat(serverLog.messages(Level.WARN))
                .anyMatch(line -> line.contains("dropped a write") && line.contains("'/too/big'")
                        && line.contains("102408 more bytes") && line.contains("kvstore.tcp.server.max-store-size"));
        assertServerUnharmed();
    }

    @Test
    void hostileConnectionsAreReportedInAggregatedLinesNotOneEach() throws IOException {
        start(TcpStoreServer.builder().maxValueBytes(1024));
        for (int i = 0; i < 50; i++) {
            Socket hostile = rawSocket();
            send(hostile, i % 2 == 0 ? new byte[] {(byte) 99} : legacySetHeader("/k", 1 << 20));
            assertThat(closedByServer(hostile)).isTrue();
        }
        assertThat(server.status().refused(Refusal.PROTOCOL_VIOLATION)).isEqualTo(25);
        assertThat(server.status().refused(Refusal.OVERSIZE)).isEqualTo(25);
        List<String> warnings = serverLog.messages(Level.WARN);
        assertThat(warnings).as("50 closes within one report interval").hasSizeLessThanOrEqualTo(2)
                .allMatch(line -> line.contains("misbehaving connection(s)"));
        assertServerUnharmed();
    }

    private List<String> errorLines() {
        return serverLog.messages(Level.ERROR);
    }

    private static void send(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static boolean closedByServer(Socket socket) {
        try {
            return socket.getInputStream().read() < 0;
        } catch (IOException e) {
            return !(e instanceof java.net.SocketTimeoutException);
        }
    }

    /** A legacy (torch 1.13) SET up to its value's bytes: opcode 0, u64 key length, key, u64 value length. */
    static byte[] legacySetHeader(String key, long valueLength) {
        byte[] keyBytes = utf8(key);
        return ByteBuffer.allocate(1 + 8 + keyBytes.length + 8).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) SET.opcode(TcpProtocol.LEGACY)).putLong(keyBytes.length).put(keyBytes)
                .putLong(valueLength).array();
    }

    private static byte[] filled(int size, byte value) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, value);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
