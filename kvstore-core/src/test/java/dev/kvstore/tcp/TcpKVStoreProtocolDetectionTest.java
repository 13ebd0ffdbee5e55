package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Protocol detection and checking against the Java server (in both legacy numberings) and, byte by byte, against a
 * scripted PyTorch 2.1 master that reads like the real one: blocking reads of whole requests, CANCEL_WAIT answered,
 * end-of-stream in the middle of a request closes the connection. The real torch masters are in
 * {@code TcpKVStoreProtocolDetectionTorch*Test}.
 */
class TcpKVStoreProtocolDetectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(5);

    private TcpStoreServer server;
    private ScriptedTorch21Master torch21;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (torch21 != null) {
            torch21.close();
        }
    }

    private TcpKVStore.Builder clientOf(int port) {
        return TcpKVStore.builder().host("127.0.0.1").port(port).connectTimeout(TIMEOUT).requestTimeout(TIMEOUT)
                .namespace("detect");
    }

    private int javaServer(TcpProtocol legacyNumbering) {
        server = TcpStoreServer.builder().host("127.0.0.1").port(0).legacyProtocol(legacyNumbering).build()
                .start();
        return server.port();
    }

    @Test
    void theJavaServerIsDetectedAsModernWhateverItsLegacyNumbering() {
        for (TcpProtocol numbering : List.of(TcpProtocol.LEGACY, TcpProtocol.V2_1)) {
            int port = javaServer(numbering);
            try (TcpKVStore store = clientOf(port).build()) {
                assertThat(store.protocol()).contains(TcpProtocol.MODERN);
                store.set("k", "v");
                assertThat(store.get("k")).contains("v");
            }
            server.close();
        }
    }

    @Test
    void theJavaServerAcceptsModernAndItsOwnLegacyNumberingAndRefusesTheOther() {
        int port = javaServer(TcpProtocol.LEGACY);
        for (TcpProtocol served : List.of(TcpProtocol.MODERN, TcpProtocol.LEGACY)) {
            try (TcpKVStore store = clientOf(port).protocol(served).build()) {
                store.set("k", served.name());
                assertThat(store.get("k")).contains(served.name());
            }
        }
        assertThatThrownBy(() -> clientOf(port).protocol(TcpProtocol.V2_1).build())
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining("does not serve the V2_1 protocol chosen by kvstore.tcp.protocol")
                .hasMessageContaining("It speaks LEGACY")
                .hasMessageContaining("to auto (the default) or legacy");
    }

    @Test
    void aMasterUsesItsOwnServerWithoutProbingAndRefusesANumberingItsServerDoesNotSpeak() {
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).connectTimeout(TIMEOUT)
                .requestTimeout(TIMEOUT)
                .build()) {
            assertThat(master.protocol()).contains(TcpProtocol.MODERN);
        }
        assertThatThrownBy(() -> TcpKVStore.builder().master(true).host("127.0.0.1").port(0)
                .protocol(TcpProtocol.V2_1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kvstore.tcp.protocol");
    }

    @Test
    void aTorch21MasterIsDetectedByteByByteAndNoProbeIsLeftUnfinished() throws IOException {
        torch21 = new ScriptedTorch21Master();
        try (TcpKVStore store = clientOf(torch21.port()).build()) {
            assertThat(store.protocol()).contains(TcpProtocol.V2_1);
        }
        torch21.awaitEveryConnectionEnded();
        assertThat(torch21.connections()).extracting(Connection::received).startsWith(
                "06",               // legacy GETNUMKEYS: answered
                "00cef7853c07",     // VALIDATE + GETNUMKEYS: read as the start of a SET, then end-of-stream
                "0b");              // 2.1's CANCEL_WAIT: answered WAIT_CANCELED
        assertThat(torch21.connections()).extracting(Connection::ending).startsWith(
                "end of stream", "end of stream in the middle of a request", "end of stream");
        assertThat(torch21.connections()).extracting(Connection::ending).doesNotContain("stalled");
    }

    @Test
    void wrongProtocolsForATorch21MasterFailWithinSecondsAndLeaveNothingUnfinished() throws IOException {
        torch21 = new ScriptedTorch21Master();
        for (TcpProtocol wrong : List.of(TcpProtocol.MODERN, TcpProtocol.LEGACY)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> clientOf(torch21.port()).protocol(wrong).build())
                    .isInstanceOf(KVStoreConnectionException.class)
                    .hasMessageContaining("does not serve the " + wrong + " protocol chosen by kvstore.tcp.protocol")
                    .hasMessageContaining("It speaks V2_1 (PyTorch 2.1)")
                    .hasMessageContaining("to auto (the default) or v2_1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAILS_WITHIN);
        }
        torch21.awaitEveryConnectionEnded();
        assertThat(torch21.connections()).extracting(Connection::ending).doesNotContain("stalled");
        assertThat(torch21.connections()).extracting(Connection::received)
                .as("the modern handshake only ever went out as a probe ended by end-of-stream")
                .allSatisfy(bytes -> assertThat(bytes).isIn("06", "00cef7853c07", "0b"));
    }

    @Test
    void aMasterThatNeitherAnswersNorClosesFailsDetectionWithinTheTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The kernel accepts connections into the backlog; nobody ever reads them.
            long start = System.nanoTime();
            assertThatThrownBy(() -> TcpKVStore.builder().host("127.0.0.1").port(silent.getLocalPort())
                    .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)).build())
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("neither answered nor closed the connection within PT1S")
                    .hasMessageContaining("Nothing was left unfinished");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAILS_WITHIN);
        }
    }

    /** What one connection to the scripted master sent, and how it ended; {@code order} is the accept order. */
    record Connection(int order, String received, String ending) {
    }

    /**
     * Reads like PyTorch 2.1's master: one request at a time with blocking reads of its fields; GETNUMKEYS (6) and
     * CANCEL_WAIT (11) answered; SET (0) read field by field; any other opcode closes the connection. A request whose
     * bytes stop coming for two seconds is recorded as "stalled": that is what would block the real master.
     */
    private static final class ScriptedTorch21Master implements AutoCloseable {

        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Connection> connections = new CopyOnWriteArrayList<>();
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;

        ScriptedTorch21Master() throws IOException {
            acceptor = new Thread(this::acceptAll, "scripted-torch21-master");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Each connection is recorded when its serving thread sees it end, a little after the client closed it. */
        void awaitEveryConnectionEnded() {
            await().atMost(Duration.ofSeconds(10)).until(() -> connections.size() == accepted.get());
        }

        /** @return the connections that ended, in the order they were accepted */
        List<Connection> connections() {
            return connections.stream().sorted(java.util.Comparator.comparingInt(Connection::order)).toList();
        }

        private void acceptAll() {
            for (int order = 0; !listener.isClosed(); order++) {
                try {
                    Socket socket = listener.accept();
                    this.accepted.incrementAndGet();
                    int accepted = order;
                    Thread serving = new Thread(() -> serve(accepted, socket), "scripted-torch21-connection");
                    serving.setDaemon(true);
                    serving.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(int order, Socket socket) {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            String ending;
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                ending = serveRequests(socket, in, out, received);
            } catch (IOException e) {
                ending = "failed: " + e;
            }
            connections.add(new Connection(order, HexFormat.of().formatHex(received.toByteArray()), ending));
        }

        private static String serveRequests(Socket socket, InputStream in, OutputStream out,
                ByteArrayOutputStream received) throws IOException {
            while (true) {
                socket.setSoTimeout(0); // between requests a connection may idle forever
                int opcode = in.read();
                if (opcode < 0) {
                    return "end of stream";
                }
                received.write(opcode);
                socket.setSoTimeout(2000);
                try {
                    switch (opcode) {
                        case 6 -> out.write(new byte[8]); // GETNUMKEYS: 0 keys
                        case 11 -> out.write(1);          // CANCEL_WAIT: WAIT_CANCELED
                        case 0 -> {                        // SET: key length first
                            byte[] length = new byte[8];
                            int n = 0;
                            while (n < 8) {
                                int r = in.read(length, n, 8 - n);
                                if (r < 0) {
                                    return "end of stream in the middle of a request";
                                }
                                received.write(length, n, r);
                                n += r;
                            }
                            return "SET key length read: a real master would now read "
                                    + HexFormat.of().formatHex(length) + " (little-endian) bytes";
                        }
                        default -> {
                            return "unknown opcode " + opcode + ": closed";
                        }
                    }
                    out.flush();
                } catch (SocketTimeoutException e) {
                    return "stalled";
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
