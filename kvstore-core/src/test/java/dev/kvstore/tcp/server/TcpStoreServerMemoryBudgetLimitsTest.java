package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_GET;
import static dev.kvstore.tcp.protocol.wire.Command.PING;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory budget's rules in one JVM: past {@code maxMemoryBytes} the connection with the most unread replies is
 * closed and counted while a reading client is served, and a reply larger than a connection may leave unread is
 * refused before it is queued.
 */
class TcpStoreServerMemoryBudgetLimitsTest {

    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    final RunningServer running = RunningServer.startedByEachTest();

    @Test
    void pastTheBudgetTheConnectionWithTheMostUnreadRepliesIsClosedAndReadersAreServed() throws IOException {
        TcpStoreServer server = running.start(TcpStoreServer.builder().maxMemoryBytes(4L * MIB));
        WireConnection writer = running.connect(TcpProtocol.MODERN);
        writer.request(SET).str("/big").bytes(new byte[MIB]).send();
        ping(writer, 1);
        assertThat(server.status().maxMemoryBytes()).isEqualTo(4L * MIB);
        // The stored value with its entry's overhead (a reply is given back only after the client may have read it).
        long stored = MIB + "/big".length() + MemoryServerStore.ENTRY_OVERHEAD;
        await().atMost(Duration.ofSeconds(30)).until(() -> server.status().memoryBytes() == stored);

        // Pipelined GETs of 1 MiB it never reads: the fifth reply does not fit, and nobody holds more than it.
        Socket nonReader = running.rawSocket();
        nonReader.setReceiveBufferSize(4096);
        ByteBuffer gets = ByteBuffer.allocate(64 * (1 + 8 + 4)).order(WireFormat.ORDER);
        for (int i = 0; i < 64; i++) {
            gets.put((byte) GET.opcode(TcpProtocol.LEGACY)).putLong(4).put("/big".getBytes(StandardCharsets.US_ASCII));
        }
        nonReader.getOutputStream().write(gets.array());
        await().atMost(Duration.ofSeconds(30)).until(() -> server.status().refused(Refusal.MEMORY_BUDGET) == 1);
        assertThat(server.status().memoryBytes()).isLessThanOrEqualTo(4L * MIB);

        writer.request(GET).str("/big").send();
        assertThat(writer.readBytes()).hasSize(MIB);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.status().memoryBytes() == stored);
    }

    @Test
    void aReplyLargerThanAConnectionMayLeaveUnreadIsRefusedUpFront() throws IOException {
        TcpStoreServer server = running.start(TcpStoreServer.builder());
        WireConnection writer = running.connect(TcpProtocol.MODERN);
        byte[] value = new byte[8 * MIB];
        for (int i = 0; i < 9; i++) {
            writer.request(SET).str("/v" + i).bytes(value).send();
        }
        ping(writer, 2);
        long stored = 9 * (8L * MIB + "/v0".length() + MemoryServerStore.ENTRY_OVERHEAD);

        WireConnection asker = running.connect(TcpProtocol.MODERN);
        asker.request(MULTI_GET).keys("/v0", "/v1", "/v2", "/v3", "/v4", "/v5", "/v6", "/v7", "/v8").send();
        assertThat(asker.closedByServer()).as("72 MiB of reply, past the 64 MiB a connection may leave unread")
                .isTrue();
        assertThat(server.status().refused(Refusal.OVERSIZE)).isEqualTo(1);
        ping(writer, 3);
        await("only the stored values are held").atMost(Duration.ofSeconds(30))
                .until(() -> server.status().memoryBytes() == stored);
    }

    private static void ping(WireConnection connection, int n) throws IOException {
        connection.request(PING).u32(n).send();
        assertThat(connection.readU32()).isEqualTo(n);
    }
}
