package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.ProtocolGeneration.Command.PING;
import static dev.kvstore.tcp.ProtocolGeneration.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.ProtocolGeneration;
import dev.kvstore.testing.PythonProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 11 against a master in a JVM of its own with a small heap ({@code -Xmx96m}, exiting on any
 * {@link OutOfMemoryError}): 120 connections each send only a SET header declaring an 8 MiB value and stall, then
 * each sends 1 MiB of that value. A real torch 1.13 client keeps doing set/get round trips throughout, a sentinel key
 * stays intact, the master never runs out of memory and its heap stays within the pending-bytes budget.
 */
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
        try (WireConnection sentinel = WireConnection.open(port, ProtocolGeneration.MODERN)) {
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
                .put((byte) ProtocolGeneration.LEGACY.opcode(SET)).putLong(key.length).put(key).putLong(valueLength)
                .array();
    }

    /** A JVM running a main class from the test classpath, with the current java; stdout lines can be awaited. */
    static final class ChildJvm implements AutoCloseable {

        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer output = new StringBuffer();

        private ChildJvm(Process process) {
            this.process = process;
            Thread pump = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        output.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // The child ended.
                }
            }, "child-jvm-stdout");
            pump.setDaemon(true);
            pump.start();
        }

        static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
            String java = ProcessHandle.current().info().command().orElseThrow();
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
            command.addAll(List.of(args));
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no line starting with '" + prefix + "' within " + timeout + describe());
                }
                String line = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                if (line == null) {
                    if (!process.isAlive() && lines.isEmpty()) {
                        throw new AssertionError("the child JVM exited with " + process.exitValue() + describe());
                    }
                } else if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
            }
        }

        void send(String line) {
            try {
                process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException("the child JVM does not take commands" + describe(), e);
            }
        }

        long heapUsedAfterGc() throws InterruptedException {
            send("HEAP");
            return Long.parseLong(awaitLineStartingWith("HEAP ", TIMEOUT));
        }

        Map<String, String> status() throws InterruptedException {
            send("STATUS");
            Map<String, String> status = new HashMap<>();
            for (String pair : awaitLineStartingWith("STATUS ", TIMEOUT).split(" ")) {
                int eq = pair.indexOf('=');
                status.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            return status;
        }

        /** Polls the status until it matches; fails with the last status after {@link #TIMEOUT}. */
        Map<String, String> awaitStatus(java.util.function.Predicate<Map<String, String>> condition)
                throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                Map<String, String> status = status();
                if (condition.test(status)) {
                    return status;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("status never matched; last: " + status + describe());
                }
                Thread.sleep(50); // poll interval of a bounded wait
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        String describe() {
            return "\n--- child output ---\n" + output;
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
