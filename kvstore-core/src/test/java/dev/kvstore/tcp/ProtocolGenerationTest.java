package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.protocol.Command;
import dev.kvstore.tcp.protocol.Generation;
import org.junit.jupiter.api.Test;

/** The public generation names keep their meaning now that the opcode tables live in the protocol package. */
class ProtocolGenerationTest {

    @Test
    void eachGenerationNamesTheWireTablesOfTheSameName() {
        for (ProtocolGeneration generation : ProtocolGeneration.values()) {
            assertThat(generation.wire().name()).isEqualTo(generation.name());
            assertThat(ProtocolGeneration.of(generation.wire())).isSameAs(generation);
            assertThat(ProtocolSelection.of(generation).generation()).contains(generation);
        }
        assertThat(ProtocolGeneration.VALIDATE_MAGIC).isEqualTo(Generation.VALIDATE_MAGIC);
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedOpcodeMethodsAnswerAsTheWireTables() {
        for (ProtocolGeneration generation : ProtocolGeneration.values()) {
            for (ProtocolGeneration.Command old : ProtocolGeneration.Command.values()) {
                Command command = old.wire();
                assertThat(command.name()).isEqualTo(old.name());
                assertThat(generation.supports(old)).isEqualTo(generation.wire().supports(command));
                if (generation.wire().supports(command)) {
                    int opcode = generation.opcode(old);
                    assertThat(opcode).isEqualTo(generation.wire().opcode(command));
                    assertThat(generation.command(opcode)).isEqualTo(old);
                }
            }
        }
        assertThat(ProtocolGeneration.LEGACY.command(200)).isNull();
    }
}
