package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link OutOfMemoryError} in the event loop of a master in a JVM of its own with a 64 MiB heap, the heap really
 * exhausted (the loop fills it and a thread holds it): the master ends in a restarted loop that serves a client, in
 * a closed port, or in an exited process, never as a zombie whose port accepts connections nobody answers. A client
 * connected before sees its connection closed.
 */
class TcpStoreServerOutOfMemoryTest {

    private static final Duration LIVENESS = Duration.ofSeconds(180);
    private static final int PROBE_TIMEOUT_MILLIS = 2_000;

    /** What a client trying the master finds. */
    private enum Outcome {
        /** PING answered. */
        SERVED,
        /** Nothing listens on the port. */
        REFUSED,
        /** Accepted, then closed by the master: it refuses, it does not hang. */
        CLOSED,
        /** Accepted and not answered: what a zombie does, tolerated only while a loop restarts. */
        UNANSWERED,
        /** The master's process exited. */
        GONE
    }

    private ChildJvm master;

    @AfterEach
    void stop() {
        if (master != null) {
            master.close();
        }
    }

    @Test
    void anExhaustedHeapGivenBackEndsInARestartedLoopThatServes() throws Exception {
        int port = startMaster(List.of("-Xmx64m"));
        Socket before = connectedClient(port);
        exhaustHeap("3000");
        assertClosedByServer(before);
        awaitOutcome(port, EnumSet.of(Outcome.SERVED));
        Map<String, String> status = master.status();
        assertThat(status).containsEntry("serving", "true");
        assertThat(Long.parseLong(status.get("restarts"))).isPositive();
    }

    @Test
    void aHeapThatStaysExhaustedEndsInAClosedPort() throws Exception {
        int port = startMaster(List.of("-Xmx64m"));
        Socket before = connectedClient(port);
        exhaustHeap("forever");
        assertClosedByServer(before);
        Outcome end = awaitOutcome(port, EnumSet.of(Outcome.REFUSED, Outcome.GONE));
        assertThat(end).as("a master that cannot serve does not listen").isIn(Outcome.REFUSED, Outcome.GONE);
    }

    @Test
    void withExitOnOutOfMemoryErrorTheProcessEnds() throws Exception {
        int port = startMaster(List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"));
        exhaustHeap("forever");
        awaitOutcome(port, EnumSet.of(Outcome.GONE));
        assertThat(master.isAlive()).isFalse();
    }

    private int startMaster(List<String> jvmOptions) throws InterruptedException {
        master = ChildJvm.start(jvmOptions, ForkedMasterMain.class, Long.toString(16L << 20), "PT60S");
        int port = Integer.parseInt(master.awaitLineStartingWith("PORT ", LIVENESS));
        assertThat(probe(port)).isEqualTo(Outcome.SERVED);
        return port;
    }

    private void exhaustHeap(String hold) throws InterruptedException {
        master.send("EXHAUST " + hold);
        master.awaitLineStartingWith("ARMED", LIVENESS);
    }

    /** A client served by the loop that is about to fail. */
    private static Socket connectedClient(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) LIVENESS.toMillis());
        assertThat(ping(socket)).isTrue();
        return socket;
    }

    private static void assertClosedByServer(Socket client) throws IOException {
        try (client) {
            assertThat(client.getInputStream().read()).as("end of stream from the failed loop").isEqualTo(-1);
        } catch (SocketException reset) {
            // closed by the server as well
        }
    }

    /** Tries the master until one of the outcomes; fails with every outcome seen if none came within the limit. */
    private Outcome awaitOutcome(int port, Set<Outcome> expected) throws InterruptedException {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        List<Outcome> seen = new ArrayList<>();
        while (System.nanoTime() - deadline < 0) {
            Outcome outcome = master.isAlive() ? probe(port) : Outcome.GONE;
            if (expected.contains(outcome)) {
                return outcome;
            }
            seen.add(outcome);
            if (outcome == Outcome.GONE) {
                break;
            }
            Thread.sleep(100); // pause between probes of a bounded wait
        }
        throw new AssertionError("expected one of " + expected + " within " + LIVENESS + "; probes saw " + seen
                + master.describe());
    }

    private static Outcome probe(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), PROBE_TIMEOUT_MILLIS);
            socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
            return ping(socket) ? Outcome.SERVED : Outcome.CLOSED;
        } catch (ConnectException e) {
            return Outcome.REFUSED;
        } catch (SocketTimeoutException e) {
            return Outcome.UNANSWERED;
        } catch (IOException e) {
            return Outcome.CLOSED;
        }
    }

    /** @return whether PING (the first request on the socket) was answered; false if the master closed the socket */
    private static boolean ping(Socket socket) throws IOException {
        socket.getOutputStream().write(ByteBuffer.allocate(10).order(WireFormat.ORDER)
                .put(WireFormat.validateHandshake()).put((byte) Command.PING.opcode(TcpProtocol.MODERN)).putInt(42)
                .array());
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(4);
        return reply.length == 4 && ByteBuffer.wrap(reply).order(WireFormat.ORDER).getInt() == 42;
    }
}
