package dev.kvstore.tcp.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The opcode tables against PyTorch's numbering, and the framing's byte layout. */
class WireProtocolTest {

    /** PyTorch's {@code QueryType} enums, written out independently of {@link Command}'s table. */
    private static final Map<TcpProtocol, List<Command>> TORCH_ORDER = Map.of(
            TcpProtocol.LEGACY, List.of(Command.SET, Command.COMPARE_SET, Command.GET, Command.ADD, Command.CHECK,
                    Command.WAIT, Command.GETNUMKEYS, Command.WATCH_KEY, Command.DELETE_KEY),
            TcpProtocol.V2_1, List.of(Command.SET, Command.COMPARE_SET, Command.GET, Command.ADD, Command.CHECK,
                    Command.WAIT, Command.GETNUMKEYS, Command.DELETE_KEY, Command.APPEND, Command.MULTI_GET,
                    Command.MULTI_SET, Command.CANCEL_WAIT),
            TcpProtocol.MODERN, List.of(Command.VALIDATE, Command.SET, Command.COMPARE_SET, Command.GET, Command.ADD,
                    Command.CHECK, Command.WAIT, Command.GETNUMKEYS, Command.DELETE_KEY, Command.APPEND,
                    Command.MULTI_GET, Command.MULTI_SET, Command.CANCEL_WAIT, Command.PING, Command.QUEUE_PUSH,
                    Command.QUEUE_POP, Command.QUEUE_LEN, Command.LIST_KEYS));

    @Test
    void everyGenerationNumbersItsCommandsAsPyTorchDoes() {
        for (TcpProtocol generation : TORCH_ORDER.keySet()) {
            List<Command> torch = TORCH_ORDER.get(generation);
            for (int opcode = 0; opcode < torch.size(); opcode++) {
                Command command = torch.get(opcode);
                assertThat(command.opcode(generation)).as("%s %s", generation, command).isEqualTo(opcode);
                assertThat(Command.of(generation, opcode)).as("%s opcode %d", generation, opcode).isEqualTo(command);
            }
            assertThat(Command.of(generation, torch.size())).as("%s after its last opcode", generation).isNull();
            assertThat(Command.of(generation, -1)).isNull();
            assertThat(Command.of(generation, 256)).isNull();
            Set<Command> missing = EnumSet.allOf(Command.class);
            missing.removeAll(torch);
            missing.removeAll(JAVA_MASTER_EXTENSION.keySet());
            for (Command command : missing) {
                if (command.name().startsWith("EXT_")) {
                    // The Java master's extension: one opcode in every generation, past the end of PyTorch's table.
                    assertThat(command.opcode(generation)).as("%s %s", generation, command)
                            .isGreaterThanOrEqualTo(0xE0);
                    assertThat(Command.of(generation, command.opcode(generation))).isEqualTo(command);
                    continue;
                }
                assertThat(command.existsIn(generation)).as("%s has %s", generation, command).isFalse();
                assertThatThrownBy(() -> command.opcode(generation))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(command.name()).hasMessageContaining(generation.name());
            }
        }
    }

    /** The Java master's extension: one opcode under every numbering, far from PyTorch's. */
    private static final Map<Command, Integer> JAVA_MASTER_EXTENSION = Map.of(
            Command.EXT_IDENTIFY, JavaMasterExtension.IDENTIFY,
            Command.EXT_WATCH_PREFIX, JavaMasterExtension.WATCH_PREFIX,
            Command.EXT_SET_EPHEMERAL, JavaMasterExtension.SET_EPHEMERAL);

    @Test
    void theJavaMasterExtensionHasTheSameOpcodesInEveryGeneration() {
        for (TcpProtocol generation : TORCH_ORDER.keySet()) {
            JAVA_MASTER_EXTENSION.forEach((command, opcode) -> {
                assertThat(command.opcode(generation)).as("%s %s", generation, command).isEqualTo(opcode);
                assertThat(Command.of(generation, opcode)).isEqualTo(command);
            });
            assertThat(JAVA_MASTER_EXTENSION.values()).allSatisfy(opcode -> assertThat(opcode)
                    .as("far from PyTorch's numbering").isGreaterThan(TORCH_ORDER.get(generation).size()));
        }
        assertThat(EnumSet.allOf(Command.class)).as("AUTO names no generation: it has no opcodes")
                .noneMatch(command -> command.existsIn(TcpProtocol.AUTO));
        assertThat(Command.of(TcpProtocol.AUTO, 1)).isNull();
        Set<Command> covered = EnumSet.copyOf(JAVA_MASTER_EXTENSION.keySet());
        TORCH_ORDER.values().forEach(covered::addAll);
        assertThat(covered).as("every command is PyTorch's or the extension's").isEqualTo(
                EnumSet.allOf(Command.class));
    }

    @Test
    void theHandshakeIsValidateWithTheMagicNumberLittleEndian() {
        assertThat(WireFormat.validateHandshake())
                .containsExactly(0x00, 0xCE, 0xF7, 0x85, 0x3C);
    }

    @Test
    void integersAndLengthsAreLittleEndian() {
        assertThat(bytes(WireFormat.u32(0x01020304L))).containsExactly(4, 3, 2, 1);
        assertThat(bytes(WireFormat.i64(0x0102030405060708L))).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
        ByteBuffer[] vector = WireFormat.bytes(new byte[] {'a', 'b'});
        assertThat(bytes(vector[0])).containsExactly(2, 0, 0, 0, 0, 0, 0, 0);
        assertThat(bytes(vector[1])).containsExactly('a', 'b');
    }

    @Test
    void theStreamAdaptersWriteWhatTheBufferEncodersDoAndReadItBack() throws IOException {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        new WireOutput(sent).opcode(TcpProtocol.V2_1, Command.MULTI_SET).u32(7).i64(-5).bytes(new byte[] {9})
                .keys(List.of("/a", "/bé")).flush();
        byte[] wire = sent.toByteArray();
        ByteBuffer expected = WireFormat.allocate(wire.length).put((byte) 10).putInt(7).putLong(-5)
                .putLong(1).put((byte) 9).putLong(2).putLong(2).put("/a".getBytes())
                .putLong(4).put("/bé".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(wire).isEqualTo(expected.array());

        WireInput in = new WireInput(new ByteArrayInputStream(wire), 16);
        assertThat(in.u8()).isEqualTo(10);
        assertThat(in.u32()).isEqualTo(7);
        assertThat(in.i64()).isEqualTo(-5);
        assertThat(in.bytes()).containsExactly(9);
        assertThat(in.count("keys")).isEqualTo(2);
        assertThat(in.string()).isEqualTo("/a");
        assertThat(in.string()).isEqualTo("/bé");
        assertThatThrownBy(in::u8).isInstanceOf(EOFException.class);
    }

    @Test
    void anImpossibleLengthFailsBeforeAnythingIsAllocated() {
        byte[] huge = WireFormat.i64(-1).array();
        assertThatThrownBy(() -> new WireInput(new ByteArrayInputStream(huge), 1024).bytes())
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("18446744073709551615");
        byte[] tooLong = WireFormat.i64(1025).array();
        assertThatThrownBy(() -> new WireInput(new ByteArrayInputStream(tooLong), 1024).count("LIST_KEYS count"))
                .isInstanceOf(MalformedFrameException.class).hasMessage("LIST_KEYS count 1025");
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }
}
