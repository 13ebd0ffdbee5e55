package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.APPEND;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_SET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_PUSH;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static dev.kvstore.tcp.protocol.wire.Command.WATCH_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A misbehaving client cannot make the server hold unbounded memory: one request is capped by
 * {@code maxRequestBytes} (checked before the bytes are buffered), so are a connection's pending WAITs and watches;
 * the store is capped by {@code maxStoreBytes}; a client that does not read its replies stops being read, and is
 * closed if replies it did not ask for keep piling up. Other clients are served throughout.
 */
class TcpStoreServerMemoryLimitsTest {

    private static final TcpProtocol MODERN = TcpProtocol.MODERN;
    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    final RunningServer running = RunningServer.startedByEachTest();
    private TcpStoreServer server;

    private void start(TcpStoreServer.Builder builder) throws IOException {
        server = running.start(builder);
        WireConnection healthy = connect(MODERN);
        healthy.request(SET).str("/kept").bytes(utf8("safe")).send();
        healthy.request(PING).u32(1).send();
        assertThat(healthy.readU32()).isEqualTo(1);
    }

    private WireConnection connect(TcpProtocol generation) throws IOException {
        return running.connect(generation);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void assertOthersServed() throws IOException {
        WireConnection fresh = connect(MODERN);
        fresh.request(GET).str("/kept").send();
        assertThat(fresh.readString()).isEqualTo("safe");
    }

    @Test
    void aMultiSetOfHugeValuesIsRefusedOnceItPassesMaxRequestBytes() throws Exception {
        start(TcpStoreServer.builder()); // defaults: 8 MiB values, 131072 keys, 64 MiB per request
        long storedBefore = server.storedBytes();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        running.track(socket);
        AtomicLong sent = new AtomicLong();
        // 131072 keys x 8 MiB (1 TiB) would be allowed by the per-field limits alone.
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(validateThenMultiSetHeader(131072));
                byte[] value = new byte[8 * MIB];
                for (int i = 0; i < 131072; i++) {
                    byte[] key = utf8("/huge/" + i);
                    out.write(le64(key.length));
                    out.write(key);
                    out.write(le64(value.length));
                    out.write(value);
                    sent.addAndGet(16L + key.length + value.length);
                }
            } catch (IOException expected) {
                // The server closed the connection under the writer.
            }
        });
        writer.get(60, TimeUnit.SECONDS);
        assertThat(sent.get()).as("the server stopped reading at the 64 MiB request limit")
                .isLessThan(ServerLimits.DEFAULT_MAX_REQUEST_BYTES + 16L * MIB);
        await().until(() -> server.connectionCount() == 1);
        assertThat(server.storedBytes()).as("nothing of the refused request is stored").isEqualTo(storedBefore);
        assertOthersServed();
    }

    @Test
    void aSmallRequestLimitRefusesWhatTheFieldLimitsAllow() throws IOException {
        start(TcpStoreServer.builder().maxValueBytes(64 * 1024).maxRequestBytes(100 * 1024));
        WireConnection fits = connect(MODERN);
        fits.request(SET).str("/one").bytes(new byte[64 * 1024]).send();
        fits.request(CHECK).keys("/one").send();
        assertThat(fits.readU8()).isZero();

        WireConnection bad = connect(MODERN);
        bad.request(MULTI_SET).i64(2).str("/a").bytes(new byte[64 * 1024]).str("/b").i64(64 * 1024).send();
        assertThat(bad.closedByServer()).isTrue();
        WireConnection check = connect(MODERN);
        check.request(CHECK).keys("/a").send();
        assertThat(check.readU8()).as("a refused MULTI_SET stores nothing").isEqualTo(1);
        assertOthersServed();
    }

    @Test
    void pipelinedWaitsCannotHoldMoreThanMaxRequestBytes() throws IOException {
        start(TcpStoreServer.builder().maxRequestBytes(64 * 1024));
        WireConnection waiter = connect(MODERN);
        WireConnection.Frame waits = waiter.frame();
        // Each WAIT holds a 1 KiB key: 100 of them pass the 64 KiB a connection may hold.
        for (int i = 0; i < 100; i++) {
            waits.u8(WAIT.opcode(MODERN)).keys("/missing/" + i + "/" + "k".repeat(1000));
        }
        waits.send();
        assertThat(waiter.closedByServer()).isTrue();
        await().until(() -> server.waiterCount() == 0 && server.connectionCount() == 1);

        WireConnection withinBudget = connect(MODERN);
        for (int i = 0; i < 50; i++) {
            withinBudget.request(WAIT).keys("/later/" + i + "/" + "k".repeat(1000)).send();
        }
        await().until(() -> server.waiterCount() == 50);
        assertOthersServed();
    }

    @Test
    void watchesCannotHoldMoreThanMaxRequestBytes() throws IOException {
        start(TcpStoreServer.builder().maxRequestBytes(16 * 1024));
        WireConnection watcher = connect(TcpProtocol.LEGACY);
        WireConnection.Frame watches = watcher.frame();
        for (int i = 0; i < 40; i++) {
            watches.u8(WATCH_KEY.opcode(TcpProtocol.LEGACY)).str("/w/" + i + "/" + "k".repeat(1000));
        }
        watches.send();
        int acknowledged = 0;
        while (acknowledged <= 40 && !watcher.closedByServer()) {
            acknowledged++;
        }
        assertThat(acknowledged).as("watches acknowledged before the budget ran out").isBetween(1, 15);
        assertOthersServed();
    }

    @Test
    void aWatcherThatNeverReadsIsClosedInsteadOfBuffered() throws IOException {
        start(TcpStoreServer.builder());
        Socket watcher = new Socket();
        running.track(watcher);
        watcher.setReceiveBufferSize(64 * 1024);
        watcher.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
        OutputStream watch = watcher.getOutputStream();
        byte[] key = utf8("/hot");
        watch.write(new byte[] {(byte) WATCH_KEY.opcode(TcpProtocol.LEGACY)});
        watch.write(le64(key.length));
        watch.write(key);
        watch.flush();
        InputStream acknowledgement = watcher.getInputStream();
        assertThat(acknowledgement.read()).isEqualTo(ReplyCodes.KEY_CALLBACK_REGISTERED);

        // Every SET pushes old and new value (2 MiB) to the watcher, which reads nothing.
        WireConnection writer = connect(MODERN);
        await().until(() -> server.connectionCount() == 3); // accepted: the loop below watches this count
        byte[] value = new byte[MIB];
        long maxBacklog = 0;
        for (int i = 0; i < 100 && server.connectionCount() == 3; i++) {
            writer.request(SET).str("/hot").bytes(value).send();
            writer.request(PING).u32(i).send();
            assertThat(writer.readU32()).as("the writer is served").isEqualTo(i);
            maxBacklog = Math.max(maxBacklog, server.replyBacklogBytes());
        }
        await().until(() -> server.connectionCount() == 2);
        assertThat(maxBacklog).as("replies queued for the watcher stay bounded")
                .isLessThanOrEqualTo(Connection.MAX_BACKLOG_BYTES);
        assertThat(server.replyBacklogBytes()).isZero();
        assertOthersServed();
    }

    @Test
    void aChangePushedToManyWatchersSharesTheValuesInsteadOfCopyingThem() throws IOException {
        start(TcpStoreServer.builder());
        int watchers = 100;
        byte[] key = utf8("/shared");
        byte[] watch = concat(new byte[] {(byte) WATCH_KEY.opcode(TcpProtocol.LEGACY)}, le64(key.length), key);
        for (int i = 0; i < watchers; i++) {
            Socket watcher = new Socket();
            running.track(watcher);
            watcher.setReceiveBufferSize(64 * 1024);
            watcher.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            watcher.getOutputStream().write(watch);
            assertThat(watcher.getInputStream().read()).isEqualTo(ReplyCodes.KEY_CALLBACK_REGISTERED);
        }
        WireConnection writer = connect(MODERN);
        writer.request(SET).str("/shared").bytes(new byte[8 * MIB]).send();
        writer.request(PING).u32(1).send();
        assertThat(writer.readU32()).isEqualTo(1);
        long heapBefore = Heap.usedAfterGc();
        writer.request(SET).str("/shared").bytes(new byte[8 * MIB]).send();
        writer.request(PING).u32(2).send();
        assertThat(writer.readU32()).isEqualTo(2);
        // 100 watchers are owed old and new value (1.6 GB); the socket buffers took little of it.
        assertThat(server.replyBacklogBytes()).isGreaterThan(watchers * 8L * MIB);
        long growth = Heap.usedAfterGc() - heapBefore;
        assertThat(growth).as("heap growth while 100 watchers are owed a change of 8 MiB values")
                .isLessThan(128L * MIB);
        assertThat(server.connectionCount()).isEqualTo(watchers + 2);
    }

    @Test
    void aClientThatDoesNotReadRepliesIsPausedThenCatchesUpWithNothingLost() throws Exception {
        start(TcpStoreServer.builder());
        WireConnection setup = connect(MODERN);
        setup.request(SET).str("/v").bytes(new byte[500]).send();

        Socket slow = new Socket();
        running.track(slow);
        slow.setSendBufferSize(64 * 1024);
        slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
        slow.setSoTimeout(30_000);
        byte[] validate = new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C};
        byte[] get = concat(new byte[] {(byte) GET.opcode(MODERN)}, le64(2), utf8("/v"));
        // 13 MB of requests: more than the socket buffers take while the server does not read; 508 MB of replies.
        int gets = 1_000_000;
        AtomicLong requested = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = slow.getOutputStream();
                out.write(validate);
                byte[] batch = new byte[get.length * 1000];
                for (int i = 0; i < 1000; i++) {
                    System.arraycopy(get, 0, batch, i * get.length, get.length);
                }
                for (int i = 0; i < gets / 1000; i++) {
                    out.write(batch);
                    requested.addAndGet(1000);
                }
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // The server reads until more than 16 MiB of replies wait, then stops reading that client.
        await().atMost(Duration.ofSeconds(30)).until(() -> server.replyBacklogBytes() > Connection.MAX_UNWRITTEN_BYTES);
        assertThat(writer).as("the writer is blocked: the server no longer reads it").isNotDone();
        long oneReadOfGets = (65536 / get.length + 1) * 508L;
        assertThat(server.replyBacklogBytes()).as("16 MiB plus the replies to one 64 KiB read")
                .isLessThanOrEqualTo(Connection.MAX_UNWRITTEN_BYTES + oneReadOfGets);
        assertOthersServed();

        InputStream in = new BufferedInputStream(slow.getInputStream(), 1 << 16);
        byte[] reply = new byte[508];
        int wrong = 0;
        for (int i = 0; i < gets; i++) {
            readFully(in, reply);
            if (ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getLong(0) != 500) {
                wrong++;
            }
        }
        assertThat(wrong).as("replies out of step").isZero();
        writer.get(30, TimeUnit.SECONDS);
        assertThat(requested.get()).isEqualTo(gets);
        await().until(() -> server.replyBacklogBytes() == 0);
    }

    @Test
    void aLargeValueSentSlowlyHoldsOneRequestAndDoesNotStallOthers() throws IOException {
        start(TcpStoreServer.builder());
        Socket slow = new Socket(InetAddress.getLoopbackAddress(), server.port());
        running.track(slow);
        OutputStream out = slow.getOutputStream();
        int size = 8 * MIB;
        out.write(concat(new byte[] {(byte) SET.opcode(TcpProtocol.LEGACY)}, le64(4), utf8("/big"),
                le64(size)));
        byte[] chunk = new byte[MIB];
        for (int i = 0; i < size / MIB; i++) {
            Arrays.fill(chunk, (byte) i);
            out.write(chunk);
            out.flush();
            assertOthersServed(); // served while the value is half-received
        }
        WireConnection reader = connect(MODERN);
        reader.request(WAIT).keys("/big").send();
        assertThat(reader.readU8()).isZero();
        reader.request(GET).str("/big").send();
        byte[] stored = reader.readBytes();
        assertThat(stored).hasSize(size);
        assertThat(stored[size - 1]).isEqualTo((byte) 7);
    }

    @Test
    void theStoreLimitRefusesGrowthAndKeepsWhatIsStored() throws IOException {
        start(TcpStoreServer.builder().maxStoreBytes(MIB));
        WireConnection filler = connect(MODERN);
        int stored = 0;
        while (stored < 20) {
            filler.request(SET).str("/fill/" + stored).bytes(new byte[100 * 1024]).send();
            filler.request(PING).u32(stored).send();
            try {
                assertThat(filler.readU32()).isEqualTo(stored);
            } catch (EOFException | SocketException closed) {
                break;
            }
            stored++;
        }
        assertThat(stored).as("100 KiB values that fit in 1 MiB").isEqualTo(10);
        assertThat(server.storedBytes()).isLessThanOrEqualTo(MIB);

        WireConnection others = connect(MODERN);
        others.request(GET).str("/fill/9").send();
        assertThat(others.readBytes()).hasSize(100 * 1024);
        others.request(QUEUE_PUSH).str("/q").bytes(new byte[200 * 1024]).send();
        assertThat(others.closedByServer()).as("queues count too").isTrue();
        WireConnection append = connect(MODERN);
        append.request(APPEND).str("/kept").bytes(new byte[200 * 1024]).send();
        assertThat(append.closedByServer()).isTrue();

        WireConnection deleter = connect(MODERN);
        deleter.request(DELETE_KEY).str("/fill/0").send();
        assertThat(deleter.readI64()).isOne();
        deleter.request(SET).str("/again").bytes(new byte[50 * 1024]).send();
        deleter.request(GET).str("/again").send();
        assertThat(deleter.readBytes()).as("deleting frees room").hasSize(50 * 1024);
        assertOthersServed();
    }

    @Test
    void appendCannotGrowAValuePastMaxValueBytes() throws IOException {
        start(TcpStoreServer.builder().maxValueBytes(1024));
        WireConnection c = connect(MODERN);
        c.request(APPEND).str("/log").bytes(new byte[1000]).send();
        c.request(APPEND).str("/log").bytes(new byte[24]).send();
        c.request(GET).str("/log").send();
        assertThat(c.readBytes()).hasSize(1024);
        c.request(APPEND).str("/log").bytes(new byte[1]).send();
        assertThat(c.closedByServer()).isTrue();
        assertOthersServed();
    }

    private static byte[] validateThenMultiSetHeader(long count) {
        return concat(new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C,
                (byte) MULTI_SET.opcode(MODERN)}, le64(count));
    }

    private static byte[] le64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    private static byte[] concat(byte[]... parts) {
        int size = 0;
        for (byte[] part : parts) {
            size += part.length;
        }
        ByteBuffer joined = ByteBuffer.allocate(size);
        for (byte[] part : parts) {
            joined.put(part);
        }
        return joined.array();
    }

    private static void readFully(InputStream in, byte[] into) throws IOException {
        int read = 0;
        while (read < into.length) {
            int n = in.read(into, read, into.length - read);
            if (n < 0) {
                throw new java.io.EOFException("after " + read + " bytes");
            }
            read += n;
        }
    }
}
