package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An adversarial soak against a master in its own small-heap JVM: slowloris senders, stalled and oversize
 * declarations, clients that never read their replies, all reconnecting when closed, while four torch 1.13 ranks do
 * barriers round after round and a Java client writes and reads back. Nothing acknowledged is lost, the master never
 * runs out of memory, and its heap stays within the pending-bytes budget. Runs {@code kvstore.soak.adversarial.duration}
 * (ISO-8601, default PT10M): {@code mvn -B verify -Psoak -Dkvstore.soak.adversarial.duration=PT1M}.
 */
@RequiresTorch
@Tag("soak")
class TcpStoreServerAdversarialSoakTest {

    private static final int MIB = 1024 * 1024;
    private static final long BUDGET = 32L * MIB;
    private static final int WORLD = 4;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService attackers = Executors.newCachedThreadPool();

    @AfterEach
    void stopAll() throws Exception {
        attackers.shutdownNow();
        attackers.awaitTermination(30, TimeUnit.SECONDS);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void hostileClientsNeverCostTorchRanksAWriteOrTheMasterItsHeap() throws Exception {
        Duration duration = Duration.parse(System.getProperty("kvstore.soak.adversarial.duration", "PT10M"));
        ChildJvm master = ChildJvm.start(List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"), ForkedMasterMain.class,
                Long.toString(BUDGET), "PT5S");
        resources.add(master);
        int port = Integer.parseInt(master.awaitLineStartingWith("PORT ", Duration.ofSeconds(90)));
        long baseline = master.heapUsedAfterGc();
        long deadline = System.nanoTime() + duration.toNanos();

        List<Future<?>> running = new ArrayList<>();
        AtomicLong attacks = new AtomicLong();
        for (int i = 0; i < 20; i++) {
            running.add(attackers.submit(() -> untilDeadline(deadline, attacks, () -> slowloris(port, deadline))));
        }
        for (int i = 0; i < 20; i++) {
            running.add(attackers.submit(() -> untilDeadline(deadline, attacks, () -> stalledDeclaration(port))));
        }
        for (int i = 0; i < 10; i++) {
            running.add(attackers.submit(() -> untilDeadline(deadline, attacks, () -> oversizeSender(port))));
        }
        for (int i = 0; i < 3; i++) {
            running.add(attackers.submit(() -> untilDeadline(deadline, attacks, () -> nonReader(port, deadline))));
        }

        PythonProcess ranks = PythonProcess.start("torch_barrier_ranks.py", "127.0.0.1", port, WORLD);
        resources.add(ranks);
        List<String> javaWrites = new ArrayList<>();
        long maxHeapGrowth = 0;
        try (TcpStoreClient java = TcpStoreClient.connect("127.0.0.1", port, TcpProtocol.MODERN,
                Duration.ofSeconds(30))) {
            long nextHeapSample = System.nanoTime();
            for (int i = 0; System.nanoTime() - deadline < 0; i++) {
                String key = "java/" + i;
                java.set(key, ("value-" + i).getBytes(StandardCharsets.UTF_8));
                assertThat(new String(java.get(key), StandardCharsets.UTF_8)).isEqualTo("value-" + i);
                javaWrites.add(key);
                if (System.nanoTime() - nextHeapSample >= 0) {
                    maxHeapGrowth = Math.max(maxHeapGrowth, master.heapUsedAfterGc() - baseline);
                    nextHeapSample = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    assertThat(ranks.isAlive()).as("torch ranks%s", ranks.describe()).isTrue();
                }
                Thread.sleep(20); // pacing: a write every 20 ms, not a load test
            }
            java.add("stop", 1); // both this client and torch put "/stop" on the wire
            int rounds = Integer.parseInt(ranks.awaitLineStartingWith("DONE ", Duration.ofMinutes(3)));
            ranks.assertSucceeds(Duration.ofMinutes(1));
            assertThat(rounds).as("barrier rounds of the torch ranks").isPositive();
            for (int rank = 0; rank < WORLD; rank++) {
                for (int round = 0; round < rounds; round++) {
                    assertThat(new String(java.get("ack/" + rank + "/" + round), StandardCharsets.UTF_8))
                            .isEqualTo(Integer.toString(round));
                }
            }
            for (String key : javaWrites) {
                assertThat(java.get(key)).as(key).isNotNull();
            }
        }
        for (Future<?> attacker : running) {
            attacker.get(1, TimeUnit.MINUTES);
        }
        assertThat(attacks.get()).as("attacking connections made").isGreaterThan(50);
        Map<String, String> status = master.status();
        System.out.printf("Adversarial soak of %s: %d attacking connections, %d Java writes, max heap growth %d MiB "
                + "(budget %d MiB), master %s%n", duration, attacks.get(), javaWrites.size(), maxHeapGrowth / MIB,
                BUDGET / MIB, status);
        assertThat(status).containsEntry("serving", "true").containsEntry("failures", "0")
                .containsEntry("restarts", "0");
        assertThat(maxHeapGrowth).as("the master's heap growth (after GC) under attack")
                .isLessThan(BUDGET + 32L * MIB);
        assertThat(master.isAlive()).as("never out of memory").isTrue();
    }

    @FunctionalInterface
    private interface Attack {
        void run() throws IOException, InterruptedException;
    }

    /** Runs one attack after another (each a new connection) until the deadline; closes are expected. */
    private static void untilDeadline(long deadline, AtomicLong attacks, Attack attack) {
        while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
            attacks.incrementAndGet();
            try {
                attack.run();
            } catch (IOException closedByTheServer) {
                // Expected: budget, timeout or a full reply backlog.
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One byte of a SET every second: always under the partial-request timeout, never finished. */
    private static void slowloris(int port, long deadline) throws IOException, InterruptedException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            byte[] request = TcpStoreServerHostileClientsTest.legacySetHeader("/slow", 8 * MIB);
            for (int i = 0; System.nanoTime() - deadline < 0; i++) {
                out.write(i < request.length ? request[i] : 'x');
                out.flush();
                Thread.sleep(1000);
            }
        }
    }

    /** The attack of issue 11: a header declaring 8 MiB, then silence until the server closes it. */
    private static void stalledDeclaration(int port) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(TcpStoreServerHostileClientsTest.legacySetHeader("/k1", 8 * MIB));
            socket.setSoTimeout(30_000);
            socket.getInputStream().read(); // returns when the partial-request timeout closes it
        }
    }

    /** 4 MiB of a declared 8 MiB value, then silence: the budget or the timeout closes it. */
    private static void oversizeSender(int port) throws IOException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            out.write(TcpStoreServerHostileClientsTest.legacySetHeader("/big", 8 * MIB));
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 64; i++) {
                out.write(chunk);
            }
            out.flush();
            socket.setSoTimeout(30_000);
            socket.getInputStream().read();
        }
    }

    /** Stores a 1 MiB value, then asks for it over and over without reading a reply. */
    private static void nonReader(int port, long deadline) throws IOException, InterruptedException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            byte[] key = "/unread".getBytes(StandardCharsets.UTF_8);
            ByteBuffer set = ByteBuffer.allocate(1 + 8 + key.length + 8 + MIB).order(ByteOrder.LITTLE_ENDIAN);
            set.put((byte) Command.SET.opcode(TcpProtocol.LEGACY)).putLong(key.length)
                    .put(key).putLong(MIB).put(new byte[MIB]);
            out.write(set.array());
            byte[] get = ByteBuffer.allocate(1 + 8 + key.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put((byte) Command.GET.opcode(TcpProtocol.LEGACY)).putLong(key.length)
                    .put(key).array();
            // Blocks once the server stops reading this client; the deadline's close ends it.
            Thread closer = new Thread(() -> {
                try {
                    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    socket.close();
                } catch (InterruptedException | IOException ignored) {
                    // Closing at the deadline only.
                }
            });
            closer.setDaemon(true);
            closer.start();
            while (System.nanoTime() - deadline < 0) {
                out.write(get);
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        return socket;
    }
}
