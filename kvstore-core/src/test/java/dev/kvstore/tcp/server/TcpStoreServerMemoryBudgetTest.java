package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TrackedResources;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 23's prefix-watch attacks against a master in a JVM of its own with a small heap, exiting on any
 * {@link OutOfMemoryError}, a real torch 1.13 client doing set/get round trips throughout and afterwards: 2000
 * watchers that never read and 2000 SETs of 1 KiB under their prefix (exhausted a 512 MB heap), and 12 watchers that
 * never read the initial state of a 300k-key store (took the heap from 52 to 319 MB), and millions of 9-byte keys with
 * empty values (2.4M filled a 256 MB heap at 2% of {@code maxStoreBytes}). The server's memory budget (half the heap by
 * default) closes the watchers holding the most unread replies ({@link Refusal#MEMORY_BUDGET}) and refuses the write
 * that would pass it ({@link Refusal#STORE_FULL}); the heap after GC grows by less than the budget.
 */
@RequiresTorch
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TcpStoreServerMemoryBudgetTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1024 * 1024;

    private final TrackedResources opened = new TrackedResources();
    private ChildJvm master;

    @AfterEach
    void stopAll() throws Exception {
        try {
            opened.closeAll();
        } finally {
            if (master != null) {
                master.close();
            }
        }
    }

    @Test
    void twoThousandNonReadingWatchersOfTwoThousandSetsAreClosedAtTheBudget() throws Exception {
        int port = startMaster("-Xmx128m");
        TorchBystander bystander = opened.track(TorchBystander.connect(port));
        bystander.roundTrip();
        long heapBefore = master.heapUsedAfterGc();

        List<Socket> watchers = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Socket watcher = nonReadingWatcher(port, "/w/");
            watchers.add(watcher);
            if (i % 500 == 499) {
                bystander.roundTrip();
            }
        }
        for (Socket watcher : watchers) {
            assertThat(Long.reverseBytes(new DataInputStream(watcher.getInputStream()).readLong()))
                    .as("an empty initial state").isZero();
        }
        Socket writer = modernClient(port);
        byte[] value = new byte[1024];
        for (int i = 0; i < 2000; i++) {
            byte[] key = ("/w/" + (i % 16)).getBytes(StandardCharsets.US_ASCII);
            send(writer, ByteBuffer.allocate(1 + 8 + key.length + 8 + value.length).order(WireFormat.ORDER)
                    .put((byte) Command.SET.opcode(TcpProtocol.MODERN)).putLong(key.length).put(key)
                    .putLong(value.length).put(value));
            if (i % 200 == 199) {
                assertPing(writer, i);
                bystander.roundTrip();
            }
        }
        Map<String, String> status = master.status();
        assertThat(Long.parseLong(status.get("memoryCloses"))).as("watchers closed at the budget: %s", status)
                .isPositive();
        assertThat(Long.parseLong(status.get("memory"))).isLessThanOrEqualTo(Long.parseLong(status.get("maxMemory")));
        assertThat(master.heapUsedAfterGc() - heapBefore).as("heap growth; %s", status)
                .isLessThan(Long.parseLong(status.get("maxMemory")));
        assertServingAfterwards(bystander, writer, status);
    }

    @Test
    void twelveNonReadingWatchersOfA300kKeyStoreAreRefusedPastTheBudget() throws Exception {
        int port = startMaster("-Xmx256m");
        TorchBystander bystander = opened.track(TorchBystander.connect(port));
        Socket writer = modernClient(port);
        storeKeys(writer, 300_000);
        bystander.roundTrip();
        long heapBefore = master.heapUsedAfterGc();

        for (int i = 0; i < 12; i++) {
            nonReadingWatcher(port, "/k/");
            bystander.roundTrip();
        }
        Map<String, String> status = master.awaitStatus(s -> Long.parseLong(s.get("memoryCloses")) > 0);
        long maxMemory = Long.parseLong(status.get("maxMemory"));
        assertThat(Long.parseLong(status.get("memory"))).isLessThanOrEqualTo(maxMemory);
        assertThat(master.heapUsedAfterGc() - heapBefore).as("heap growth; %s", status)
                .isLessThan(maxMemory + 16 * MIB);
        assertServingAfterwards(bystander, writer, status);
    }

    @Test
    void millionsOfTinyKeysAreRefusedAtTheBudgetNotAtTheHeap() throws Exception {
        int port = startMaster("-Xmx256m");
        TorchBystander bystander = opened.track(TorchBystander.connect(port));
        bystander.roundTrip();
        long heapBefore = master.heapUsedAfterGc();

        // Issue 23: 2.4M SETs of 9-byte keys with empty values were 2% of max-store-size and filled the heap.
        Socket writer = modernClient(port);
        byte[] sentinel = "/sentinel".getBytes(StandardCharsets.US_ASCII);
        send(writer, ByteBuffer.allocate(1 + 8 + sentinel.length + 8 + 6).order(WireFormat.ORDER)
                .put((byte) Command.SET.opcode(TcpProtocol.MODERN)).putLong(sentinel.length).put(sentinel).putLong(6)
                .put("intact".getBytes(StandardCharsets.US_ASCII)));
        int sent = 0;
        boolean closed = false;
        for (int batch = 0; batch < 24 && !closed; batch++) {
            ByteBuffer sets = ByteBuffer.allocate(100_000 * (1 + 8 + 9 + 8)).order(WireFormat.ORDER);
            for (int i = 0; i < 100_000; i++) {
                sets.put((byte) Command.SET.opcode(TcpProtocol.MODERN)).putLong(9)
                        .put(String.format("/t%07d", sent++).getBytes(StandardCharsets.US_ASCII)).putLong(0);
            }
            try {
                send(writer, sets);
                assertPing(writer, batch);
                bystander.roundTrip(); // a new key of its own: only while the store has room
            } catch (IOException closedAtTheBudget) {
                closed = true;
            }
        }
        Map<String, String> status = master.status();
        assertThat(closed).as("the writer's connection was closed at the budget: %s", status).isTrue();
        assertThat(Long.parseLong(status.get("storeFull"))).isEqualTo(1);
        assertThat(Long.parseLong(status.get("keys"))).as("keys stored").isLessThan(2_400_000)
                .isLessThanOrEqualTo(Long.parseLong(status.get("maxMemory")) / MemoryServerStore.ENTRY_OVERHEAD);
        assertThat(master.heapUsedAfterGc() - heapBefore).as("heap growth; %s", status)
                .isLessThan(Long.parseLong(status.get("maxMemory")));
        // A full store refuses every client's new keys (no per-client quotas), and serves everything else.
        assertThat(bystander.get("sentinel")).isEqualTo("intact");
        assertPing(modernClient(port), 7);
        assertThat(master.status()).containsEntry("serving", "true").containsEntry("restarts", "0")
                .containsEntry("failures", "0");
        assertThat(master.isAlive()).as("the master never ran out of memory").isTrue();
    }

    private int startMaster(String heap) throws InterruptedException {
        master = ChildJvm.start(List.of(heap, "-XX:+ExitOnOutOfMemoryError"), ForkedMasterMain.class,
                Long.toString(64 * MIB), "PT60S");
        return Integer.parseInt(master.awaitLineStartingWith("PORT ", TIMEOUT));
    }

    private void assertServingAfterwards(TorchBystander bystander, Socket writer, Map<String, String> during)
            throws Exception {
        bystander.roundTrip();
        assertPing(writer, -1);
        Map<String, String> status = master.status();
        assertThat(status).as("during the attack: %s", during).containsEntry("serving", "true")
                .containsEntry("restarts", "0").containsEntry("failures", "0");
        assertThat(master.isAlive()).as("the master never ran out of memory").isTrue();
    }

    /** A watch connection with a small receive buffer that never reads after the state's count. */
    private Socket nonReadingWatcher(int port, String prefix) throws IOException {
        Socket socket = new Socket();
        opened.track(socket);
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        byte[] bytes = prefix.getBytes(StandardCharsets.US_ASCII);
        send(socket, ByteBuffer.allocate(1 + 8 + bytes.length).order(WireFormat.ORDER)
                .put((byte) JavaMasterExtension.WATCH_PREFIX).putLong(bytes.length).put(bytes));
        return socket;
    }

    private Socket modernClient(int port) throws IOException {
        Socket socket = opened.track(new Socket(InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.getOutputStream().write(WireFormat.validateHandshake());
        return socket;
    }

    /** Stores keys {@code /k/000000...} with 32-byte values, 131072 per MULTI_SET. */
    private static void storeKeys(Socket writer, int count) throws IOException {
        int perRequest = ServerLimits.DEFAULT_MAX_KEYS_PER_REQUEST;
        for (int first = 0; first < count; first += perRequest) {
            int n = Math.min(perRequest, count - first);
            ByteBuffer request = ByteBuffer.allocate(1 + 8 + n * (8 + 9 + 8 + 32)).order(WireFormat.ORDER);
            request.put((byte) Command.MULTI_SET.opcode(TcpProtocol.MODERN)).putLong(n);
            for (int i = first; i < first + n; i++) {
                request.putLong(9).put(String.format("/k/%06d", i).getBytes(StandardCharsets.US_ASCII))
                        .putLong(32).put(new byte[32]);
            }
            send(writer, request);
        }
        assertPing(writer, count);
    }

    /** PING is answered after everything sent before it was served. */
    private static void assertPing(Socket client, int n) throws IOException {
        send(client, ByteBuffer.allocate(5).order(WireFormat.ORDER)
                .put((byte) Command.PING.opcode(TcpProtocol.MODERN)).putInt(n));
        assertThat(Integer.reverseBytes(new DataInputStream(client.getInputStream()).readInt())).isEqualTo(n);
    }

    private static void send(Socket socket, ByteBuffer request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.array(), 0, request.position());
        out.flush();
    }
}
