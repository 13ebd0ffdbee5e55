package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thousands of concurrent {@link TcpStoreClient}s (LEGACY and MODERN mixed) on a few threads doing SET, ADD,
 * COMPARE_SET, CHECK, GET and WAITs that other clients satisfy, while hundreds of raw connections hold WAITs the
 * load satisfies at the end. Afterwards nothing is lost (counters equal the successful ADDs, every ADD got its own
 * result, every set key is readable with its value, each claim has exactly one winner), every waiter was woken, and
 * the server holds no waits or reply bytes. A separate test measures what idle connections cost the server's heap.
 *
 * <p>Each thread drives many clients in steps: at every step a client first sets its key, then waits for the key its
 * peer on the next thread sets at the same step. A wait depends only on sets that precede it, so the ring cannot
 * deadlock, and a client whose peer is behind really waits on the server.
 */
class TcpStoreServerLoadTest {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServerLoadTest.class);
    private static final int COUNTERS = 16;
    private static final int CLAIMS = 64;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();
    private final List<TcpStoreClient> clients = new ArrayList<>();
    private final List<WireConnection> rawWaiters = new ArrayList<>();
    private ExecutorService pool;

    @AfterEach
    void stopClients() {
        if (pool != null) {
            pool.shutdownNow();
        }
        clients.forEach(TcpStoreClient::close);
    }

    @Test
    void twoThousandClientsWithMixedOperationsAndWaitsLoseNothing() throws Exception {
        run(2048, 32, 5, 256);
    }

    @Test
    @Tag("soak")
    void fourThousandClientsManyRounds() throws Exception {
        run(4096, 64, Integer.getInteger("kvstore.load.rounds", 30), 1024);
    }

    private void run(int clientCount, int threads, int rounds, int rawWaiterCount) throws Exception {
        requireFileDescriptors(2L * (clientCount + rawWaiterCount) + 256);
        int perThread = clientCount / threads;
        pool = Executors.newFixedThreadPool(threads);

        // Raw waiters: each holds one WAIT for two keys the last round sets, pending during the whole load.
        for (int w = 0; w < rawWaiterCount; w++) {
            TcpProtocol generation = w % 2 == 0 ? TcpProtocol.LEGACY : TcpProtocol.MODERN;
            WireConnection waiter = running.connect(generation);
            rawWaiters.add(waiter);
            int a = (w * 7) % clientCount;
            int b = (w * 13 + 1) % clientCount;
            waiter.request(WAIT).keys("/" + key(rounds - 1, a), "/" + key(rounds - 1, b)).send();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.waiterCount() == rawWaiterCount);

        connectAll(clientCount, threads, perThread);
        // connect() returns once the kernel completed the handshake; the server accepts a moment later.
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == clientCount + rawWaiterCount);

        AtomicLongArray successfulAdds = new AtomicLongArray(COUNTERS);
        List<Set<Long>> addResults = new ArrayList<>();
        for (int c = 0; c < COUNTERS; c++) {
            addResults.add(ConcurrentHashMap.newKeySet());
        }
        Map<String, Integer> claimWinners = new ConcurrentHashMap<>();
        AtomicLong doubleWinners = new AtomicLong();
        AtomicLong ringWaits = new AtomicLong();

        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            workers.add(pool.submit(() -> {
                for (int round = 0; round < rounds; round++) {
                    for (int position = 0; position < perThread; position++) {
                        int id = position * threads + thread;
                        TcpStoreClient client = clients.get(id);
                        String own = key(round, id);
                        client.set(own, value(round, id));

                        int counter = id % COUNTERS;
                        long result = client.add("counter/" + counter, 1);
                        successfulAdds.incrementAndGet(counter);
                        addResults.get(counter).add(result);

                        String claim = "claim/" + round + "/" + (id % CLAIMS);
                        byte[] mine = utf8(Integer.toString(id));
                        byte[] after = client.compareSet(claim, new byte[0], mine);
                        if (new String(after, StandardCharsets.UTF_8).equals(Integer.toString(id))
                                && claimWinners.putIfAbsent(claim, id) != null) {
                            doubleWinners.incrementAndGet();
                        }

                        if (!client.check(List.of(own))) {
                            throw new AssertionError("client " + id + " does not see its own key " + own);
                        }
                        int peer = position * threads + (thread + 1) % threads;
                        String peerKey = key(round, peer);
                        client.wait(List.of(own, peerKey));
                        ringWaits.incrementAndGet();
                        String seen = new String(client.get(peerKey), StandardCharsets.UTF_8);
                        if (!seen.equals(new String(value(round, peer), StandardCharsets.UTF_8))) {
                            throw new AssertionError("client " + id + " read " + seen + " at " + peerKey);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(5, TimeUnit.MINUTES);
        }

        for (WireConnection waiter : rawWaiters) {
            assertThat(waiter.readU8()).as("STOP_WAITING for a raw waiter").isZero();
        }
        assertThat(ringWaits.get()).isEqualTo((long) rounds * clientCount);
        assertThat(server.waiterCount()).as("every waiter was woken").isZero();

        TcpStoreClient verifier = TcpStoreClient.connect("127.0.0.1", server.port(), TcpProtocol.MODERN,
                CLIENT_TIMEOUT);
        clients.add(verifier);
        for (int c = 0; c < COUNTERS; c++) {
            long adds = successfulAdds.get(c);
            assertThat(new String(verifier.get("counter/" + c), StandardCharsets.UTF_8))
                    .as("counter %d equals its successful ADDs", c).isEqualTo(Long.toString(adds));
            assertThat(addResults.get(c)).as("every ADD on counter %d got its own result", c)
                    .hasSize((int) adds).allMatch(r -> r >= 1 && r <= adds);
        }
        assertThat(doubleWinners.get()).as("claims won twice").isZero();
        assertThat(claimWinners).hasSize(rounds * Math.min(CLAIMS, clientCount));
        for (Map.Entry<String, Integer> win : claimWinners.entrySet()) {
            assertThat(new String(verifier.get(win.getKey()), StandardCharsets.UTF_8))
                    .isEqualTo(Integer.toString(win.getValue()));
        }
        for (int round = 0; round < rounds; round++) {
            List<String> keys = new ArrayList<>();
            for (int id = 0; id < clientCount; id++) {
                keys.add(key(round, id));
            }
            List<byte[]> values = verifier.multiGet(keys);
            for (int id = 0; id < clientCount; id++) {
                assertThat(values.get(id)).as("value of %s", keys.get(id)).isEqualTo(value(round, id));
            }
        }
        assertThat(server.keyCount()).as("nothing lost, nothing extra")
                .isEqualTo((long) rounds * clientCount + COUNTERS + (long) rounds * Math.min(CLAIMS, clientCount));
        // The server counts a reply as written just after the client may already have read it.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.replyBacklogBytes() == 0);

        clients.forEach(TcpStoreClient::close);
        rawWaiters.forEach(WireConnection::close);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == 0);
    }

    private void connectAll(int clientCount, int threads, int perThread) throws Exception {
        TcpStoreClient[] connected = new TcpStoreClient[clientCount];
        List<Future<?>> connecting = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            connecting.add(pool.submit(() -> {
                for (int position = 0; position < perThread; position++) {
                    int id = position * threads + thread;
                    TcpProtocol generation = id % 2 == 0 ? TcpProtocol.LEGACY
                            : TcpProtocol.MODERN;
                    connected[id] = TcpStoreClient.connect("127.0.0.1", server.port(), generation, CLIENT_TIMEOUT);
                }
                return null;
            }));
        }
        try {
            for (Future<?> future : connecting) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            for (TcpStoreClient client : connected) {
                if (client != null) {
                    clients.add(client);
                }
            }
        }
        // Clients were added in id order only if none failed; keep them indexable by id.
        assertThat(clients).hasSize(clientCount);
        clients.clear();
        clients.addAll(List.of(connected));
    }

    /**
     * What idle connections cost the server: heap growth after GC with 2048 connected raw sockets (whose client
     * ends are tiny NIO channels in this JVM). The bound is structural and generous (server state per connection
     * is a few hundred bytes; a per-connection read buffer of 64 KiB would break it).
     */
    @Test
    void idleConnectionsCostLittleHeap() throws Exception {
        int count = 2048;
        requireFileDescriptors(2L * count + 256);
        List<SocketChannel> channels = new ArrayList<>();
        try {
            long before = Heap.usedAfterGc();
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
                channels.add(channel);
                if (i % 2 == 1) {
                    channel.write(ByteBuffer.wrap(new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C}));
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == count);
            long perConnection = (Heap.usedAfterGc() - before) / count;
            log.info("{} idle TCPStore connections: about {} bytes of heap each (both ends, after GC)", count,
                    perConnection);
            assertThat(perConnection).as("heap per idle connection, both ends").isLessThan(16 * 1024);
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == 0);
    }

    private static String key(int round, int id) {
        return "r" + round + "/c" + id;
    }

    private static byte[] value(int round, int id) {
        return utf8("value-" + round + "-" + id + "-" + Integer.toHexString(id * 31 + round));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void requireFileDescriptors(long needed) {
        long limit = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : Long.MAX_VALUE;
        assumeTrue(limit >= needed, "needs " + needed + " file descriptors, the limit is " + limit + " (ulimit -n)");
    }
}
