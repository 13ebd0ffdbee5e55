package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A key deleted between the WAIT and the GET of {@code waitForKey}: the PyTorch 1.13 master drops the connection on
 * GET of a missing key. The race cannot be provoked on a real master deterministically, so this test plays the
 * master over a raw socket, step by step, exactly as the 1.13 master behaves.
 */
class TcpKVStoreDeleteRaceTest {

    private static final String WIRE_KEY = "/ns/comp/k";

    @Test
    void aKeyDeletedBetweenWaitAndGetIsWaitedForAgainNotReadAsEmpty() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(10_000);
            CompletableFuture<TcpKVStore> building = CompletableFuture.supplyAsync(() -> TcpKVStore.builder()
                    .host("127.0.0.1").port(listener.getLocalPort()).protocol(TcpProtocol.LEGACY)
                    .connectTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(10)).namespace("ns")
                            .component("comp").build());
            answerProtocolProbesAsTorch113(listener);
            try (Socket first = accept(listener); TcpKVStore store = building.get(10, TimeUnit.SECONDS)) {
                CompletableFuture<byte[]> waiter =
                        CompletableFuture.supplyAsync(() -> store.waitForKey("k", Duration.ofSeconds(30)));
                DataInputStream in = new DataInputStream(first.getInputStream());
                expect(in, 5, "WAIT");
                answer(first, (byte) 0); // STOP_WAITING: the key exists
                expect(in, 4, "CHECK");
                answer(first, (byte) 0); // READY
                expect(in, 2, "GET");
                first.close(); // ... but it was deleted meanwhile: the 1.13 master hangs up

                try (Socket second = accept(listener)) {
                    DataInputStream in2 = new DataInputStream(second.getInputStream());
                    expect(in2, 4, "CHECK on a new connection");
                    answer(second, (byte) 1); // NOT_READY: gone
                    expect(in2, 5, "WAIT again");
                    assertThat(waiter).as("no empty value was returned").isNotDone();
                    answer(second, (byte) 0);
                    expect(in2, 4, "CHECK");
                    answer(second, (byte) 0);
                    expect(in2, 2, "GET");
                    answer(second, bytes("v2"));
                    assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("v2".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    /**
     * The build checks the explicit LEGACY first: a legacy GETNUMKEYS, which 1.13 answers, then 2.1's CANCEL_WAIT,
     * on which 1.13 closes the connection.
     */
    private static void answerProtocolProbesAsTorch113(ServerSocket listener) throws IOException {
        try (Socket getNumKeys = accept(listener)) {
            assertThat(getNumKeys.getInputStream().read()).as("legacy GETNUMKEYS probe").isEqualTo(6);
            answer(getNumKeys, new byte[8]);
        }
        try (Socket cancelWait = accept(listener)) {
            assertThat(cancelWait.getInputStream().read()).as("2.1's CANCEL_WAIT probe").isEqualTo(11);
        }
    }

    private static Socket accept(ServerSocket listener) throws IOException {
        Socket socket = listener.accept();
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads one request with a single-key argument list (WAIT, CHECK) or a key (GET) and checks its opcode. */
    private static void expect(DataInputStream in, int opcode, String what) throws IOException {
        assertThat(in.readUnsignedByte()).as(what).isEqualTo(opcode);
        if (opcode != 2) {
            assertThat(readU64(in)).as(what + " key count").isEqualTo(1);
        }
        byte[] key = new byte[(int) readU64(in)];
        in.readFully(key);
        assertThat(new String(key, StandardCharsets.UTF_8)).as(what + " key").isEqualTo(WIRE_KEY);
    }

    private static long readU64(DataInputStream in) throws IOException {
        byte[] b = new byte[8];
        in.readFully(b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] bytes(String value) {
        byte[] raw = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(raw.length).array());
        out.writeBytes(raw);
        return out.toByteArray();
    }

    private static void answer(Socket socket, byte... reply) throws IOException {
        socket.getOutputStream().write(reply);
        socket.getOutputStream().flush();
    }
}
