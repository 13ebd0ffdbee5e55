package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 11 against a master in a JVM of its own with a small heap ({@code -Xmx96m}, exiting on any
 * {@link OutOfMemoryError}): 120 connections each send only a SET header declaring an 8 MiB value and stall, then
 * each sends 1 MiB of that value. A real torch 1.13 client keeps doing set/get round trips throughout, a sentinel key
 * stays intact, the master never runs out of memory and its heap stays within the pending-bytes budget.
 */
@RequiresTorch
class TcpStoreServerForkedAttackTest {

    private static final int MIB = 1024 * 1024;
    private static final long BUDGET = 16L * MIB;
    private static final int ATTACKERS = 120;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private ChildJvm master;
    private PythonProcess torch;
    private final List<Socket> attackers = new ArrayList<>();

    @AfterEach
    void stopAll() throws IOException {
        for (Socket socket : attackers) {
            socket.close();
        }
        if (torch != null) {
            torch.close();
        }
        if (master != null) {
            master.close();
        }
    }

    @Test
    void stalledEightMebibyteDeclarationsCannotTakeDownASmallHeapMaster() throws Exception {
        master = ChildJvm.start(List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"), ForkedMasterMain.class,
                Long.toString(BUDGET), "PT5M");
        int port = Integer.parseInt(master.awaitLineStartingWith("PORT ", TIMEOUT));
        try (WireConnection sentinel = WireConnection.open(port, TcpProtocol.MODERN)) {
            sentinel.request(SET).str("/sentinel").bytes("intact".getBytes(StandardCharsets.UTF_8)).send();
            sentinel.request(PING).u32(1).send();
            assertThat(sentinel.readU32()).isEqualTo(1);
        }
        torch = PythonProcess.start("torch_client_round_trips.py", "127.0.0.1", port);
        torch.awaitLineStartingWith("READY", TIMEOUT);
        int roundTrip = 0;
        assertRoundTrip(roundTrip++);
        long heapBefore = master.heapUsedAfterGc();

        // Phase 1, exactly as reported: the SET header declaring 8 MiB, nothing of the value, then silence.
        byte[] header = setHeaderDeclaring(8 * MIB);
        assertThat(header).as("opcode, u64 key length, key, u64 value length").hasSize(20);
        for (int i = 0; i < ATTACKERS; i++) {
            Socket attacker = new Socket(InetAddress.getLoopbackAddress(), port);
            attackers.add(attacker);
            attacker.getOutputStream().write(header);
            attacker.getOutputStream().flush();
            if (i % 20 == 19) {
                assertRoundTrip(roundTrip++);
            }
        }
        Map<String, String> status = master.awaitStatus(s -> Long.parseLong(s.get("connections")) >= ATTACKERS + 1);
        assertThat(status).containsEntry("serving", "true").containsEntry("failures", "0")
                .containsEntry("restarts", "0");
        assertThat(Long.parseLong(status.get("pending"))).as("120 declared 8 MiB values cost nothing")
                .isLessThan(64L * 1024);
        assertThat(master.heapUsedAfterGc() - heapBefore).as("heap growth from 120 stalled declarations")
                .isLessThan(8L * MIB);

        // Phase 2: every attacker sends 1 MiB of its value (120 MiB in all, more than the heap) and stalls again.
        byte[] chunk = new byte[MIB];
        for (int i = 0; i < ATTACKERS; i++) {
            try {
                OutputStream out = attackers.get(i).getOutputStream();
                out.write(chunk);
                out.flush();
            } catch (IOException closedByTheBudget) {
                // Expected for some: past the budget the server closes the connection holding the most.
            }
            if (i % 20 == 19) {
                assertRoundTrip(roundTrip++);
            }
        }
        status = master.awaitStatus(s -> Long.parseLong(s.get("budgetCloses")) > 0);
        assertThat(Long.parseLong(status.get("pending"))).as("held in partly received requests")
                .isLessThanOrEqualTo(BUDGET);
        assertRoundTrip(roundTrip++);
        torch.send("GET sentinel");
        assertThat(torch.awaitLineStartingWith("VALUE sentinel ", TIMEOUT)).isEqualTo("intact");
        assertThat(master.heapUsedAfterGc() - heapBefore).as("heap growth under attack, bounded by the budget")
                .isLessThan(BUDGET + 8L * MIB);
        status = master.status();
        assertThat(status).containsEntry("serving", "true").containsEntry("failures", "0")
                .containsEntry("restarts", "0");
        assertThat(master.isAlive()).as("the master never ran out of memory").isTrue();
    }

    private void assertRoundTrip(int n) throws InterruptedException {
        torch.send("RT " + n);
        String outcome = torch.awaitLineStartingWith("RT " + n + " ", TIMEOUT);
        assertThat(outcome).as("torch round trip %d%s", n, torch.describe()).startsWith("ok ");
    }

    private static byte[] setHeaderDeclaring(long valueLength) {
        byte[] key = "/k1".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + 8 + key.length + 8).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) SET.opcode(TcpProtocol.LEGACY)).putLong(key.length).put(key).putLong(valueLength)
                .array();
    }
}
