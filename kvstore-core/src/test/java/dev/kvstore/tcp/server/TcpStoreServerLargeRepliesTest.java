package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.testing.RequiresTorch;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The largest replies the protocol's limits allow are delivered completely while a real torch 1.13 client is served
 * between their slices: a MULTI_GET of {@code maxKeysPerRequest} one-byte values and a WATCH_PREFIX's initial state
 * of a 300k-key store (issue 23: both froze the event loop, the first for 31.6 s, the second for 128 s). The reader
 * interleaves its reads with the bystander's round trips, so each round trip is served while most of the large reply
 * is still queued. Liveness only: every round trip within {@link TorchBystander#LIVENESS}, the whole test within a
 * generous timeout.
 */
@RequiresTorch
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TcpStoreServerLargeRepliesTest {

    private static final int MAX_KEYS = ServerLimits.DEFAULT_MAX_KEYS_PER_REQUEST;
    private static final int STORE_KEYS = 300_000;
    /** A bystander round trip after every this many entries read. */
    private static final int ROUND_TRIP_EVERY = 8192;

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();

    @Test
    void multiGetOfMaxKeysOneByteValuesIsDeliveredWhileTheBystanderIsServed() throws Exception {
        assertThat(MAX_KEYS).isEqualTo(131_072);
        storeKeys(MAX_KEYS);
        TorchBystander bystander = running.track(TorchBystander.connect(server.port()));
        bystander.roundTrip();

        Socket reader = reader();
        ByteBuffer request = ByteBuffer.allocate(1 + 8 + MAX_KEYS * (8 + key(0).length)).order(WireFormat.ORDER);
        request.put((byte) Command.MULTI_GET.opcode(TcpProtocol.MODERN)).putLong(MAX_KEYS);
        for (int i = 0; i < MAX_KEYS; i++) {
            request.putLong(key(i).length).put(key(i));
        }
        send(reader, request);
        DataInputStream in = new DataInputStream(new BufferedInputStream(reader.getInputStream(), 64 * 1024));
        for (int i = 0; i < MAX_KEYS; i++) {
            assertThat(Long.reverseBytes(in.readLong())).as("length of value %d", i).isEqualTo(1);
            assertThat(in.readByte()).as("value %d", i).isEqualTo(value(i));
            if (i % ROUND_TRIP_EVERY == 0) {
                bystander.roundTrip();
            }
        }
        bystander.roundTrip();
        assertThat(bystander.roundTrips()).isGreaterThan(MAX_KEYS / ROUND_TRIP_EVERY);
        assertThat(server.replyBacklogBytes()).as("the reply was written completely").isZero();
    }

    @Test
    void watchPrefixInitialStateOfALargeStoreIsDeliveredWhileTheBystanderIsServed() throws Exception {
        storeKeys(STORE_KEYS);
        TorchBystander bystander = running.track(TorchBystander.connect(server.port()));
        bystander.roundTrip();

        Socket watcher = reader();
        byte[] prefix = "/k/".getBytes(StandardCharsets.US_ASCII);
        send(watcher, ByteBuffer.allocate(1 + 8 + prefix.length).order(WireFormat.ORDER)
                .put((byte) JavaMasterExtension.WATCH_PREFIX).putLong(prefix.length).put(prefix));
        DataInputStream in = new DataInputStream(new BufferedInputStream(watcher.getInputStream(), 64 * 1024));
        assertThat(Long.reverseBytes(in.readLong())).as("keys in the initial state").isEqualTo(STORE_KEYS);
        boolean[] seen = new boolean[STORE_KEYS];
        for (int i = 0; i < STORE_KEYS; i++) {
            byte[] key = new byte[Math.toIntExact(Long.reverseBytes(in.readLong()))];
            in.readFully(key);
            int n = Integer.parseInt(new String(key, 3, key.length - 3, StandardCharsets.US_ASCII));
            assertThat(Long.reverseBytes(in.readLong())).as("length of value %d", n).isEqualTo(1);
            assertThat(in.readByte()).as("value %d", n).isEqualTo(value(n));
            assertThat(seen[n]).as("key %d seen once", n).isFalse();
            seen[n] = true;
            if (i % ROUND_TRIP_EVERY == 0) {
                bystander.roundTrip();
            }
        }
        bystander.roundTrip();
        assertThat(server.replyBacklogBytes()).as("the state was written completely").isZero();
    }

    /** Stores keys {@code /k/000000...} with one-byte values, {@code maxKeysPerRequest} per MULTI_SET. */
    private void storeKeys(int count) throws IOException {
        Socket writer = reader();
        for (int first = 0; first < count; first += MAX_KEYS) {
            int n = Math.min(MAX_KEYS, count - first);
            ByteBuffer request = ByteBuffer.allocate(1 + 8 + n * (8 + key(0).length + 8 + 1)).order(WireFormat.ORDER);
            request.put((byte) Command.MULTI_SET.opcode(TcpProtocol.MODERN)).putLong(n);
            for (int i = first; i < first + n; i++) {
                request.putLong(key(i).length).put(key(i)).putLong(1).put(value(i));
            }
            send(writer, request);
        }
        // PING answers after every MULTI_SET before it was served.
        send(writer, ByteBuffer.allocate(5).order(WireFormat.ORDER)
                .put((byte) Command.PING.opcode(TcpProtocol.MODERN)).putInt(7));
        DataInputStream in = new DataInputStream(writer.getInputStream());
        assertThat(Integer.reverseBytes(in.readInt())).isEqualTo(7);
        assertThat(server.keyCount()).isEqualTo(count);
    }

    private Socket reader() throws IOException {
        Socket socket = running.track(new Socket(InetAddress.getLoopbackAddress(), server.port()));
        socket.setSoTimeout((int) TorchBystander.LIVENESS.toMillis());
        socket.getOutputStream().write(WireFormat.validateHandshake()); // MODERN numbering: MULTI_SET exists
        return socket;
    }

    private static void send(Socket socket, ByteBuffer request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.array(), 0, request.position());
        out.flush();
    }

    private static byte[] key(int i) {
        return String.format("/k/%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte value(int i) {
        return (byte) i;
    }
}
