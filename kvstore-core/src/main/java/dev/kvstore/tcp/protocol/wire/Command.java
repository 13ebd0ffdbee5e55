package dev.kvstore.tcp.protocol.wire;

import dev.kvstore.tcp.protocol.TcpProtocol;
import org.jspecify.annotations.Nullable;

/**
 * The commands of PyTorch's c10d TCPStore protocol, and of the Java master's extension ({@code EXT_}, see
 * {@link JavaMasterExtension}), with their opcodes in every generation ({@link TcpProtocol}). Each constant holds its
 * own opcodes, so the order of the constants means nothing on the wire: reordering or adding constants cannot remap
 * an opcode.
 */
public enum Command {

    // Opcode per generation; -1 where the generation lacks the command.
    //             LEGACY  V2_1  MODERN
    VALIDATE(      -1,     -1,   0),
    SET(           0,      0,    1),
    COMPARE_SET(   1,      1,    2),
    GET(           2,      2,    3),
    ADD(           3,      3,    4),
    CHECK(         4,      4,    5),
    WAIT(          5,      5,    6),
    GETNUMKEYS(    6,      6,    7),
    WATCH_KEY(     7,      -1,   -1),
    DELETE_KEY(    8,      7,    8),
    APPEND(        -1,     8,    9),
    MULTI_GET(     -1,     9,    10),
    MULTI_SET(     -1,     10,   11),
    CANCEL_WAIT(   -1,     11,   12),
    PING(          -1,     -1,   13),
    QUEUE_PUSH(    -1,     -1,   14),
    QUEUE_POP(     -1,     -1,   15),
    QUEUE_LEN(     -1,     -1,   16),
    LIST_KEYS(     -1,     -1,   17),

    // The Java master's extension (JavaMasterExtension): the same opcodes in every generation, far from PyTorch's
    // table; sent only to a master that answered EXT_IDENTIFY.
    EXT_IDENTIFY(JavaMasterExtension.IDENTIFY),
    EXT_WATCH_PREFIX(JavaMasterExtension.WATCH_PREFIX),
    EXT_SET_EPHEMERAL(JavaMasterExtension.SET_EPHEMERAL);

    /** The opcode column of a generation that lacks the command. */
    private static final int NONE = -1;

    private final int legacyOpcode;
    private final int v21Opcode;
    private final int modernOpcode;

    Command(int legacyOpcode, int v21Opcode, int modernOpcode) {
        this.legacyOpcode = legacyOpcode;
        this.v21Opcode = v21Opcode;
        this.modernOpcode = modernOpcode;
    }

    /** A command of the Java master's extension: one opcode under every numbering. */
    Command(int extensionOpcode) {
        this(extensionOpcode, extensionOpcode, extensionOpcode);
    }

    /** Opcodes are one byte. */
    private static final int OPCODES = 256;

    /** The command of each opcode, per generation ({@code [generation.ordinal()][opcode]}). */
    private static final @Nullable Command[][] BY_OPCODE = new Command[TcpProtocol.values().length][OPCODES];

    static {
        for (TcpProtocol protocol : TcpProtocol.values()) {
            if (protocol.isGeneration()) {
                for (Command command : values()) {
                    int opcode = command.opcodeIn(protocol);
                    if (opcode != NONE) {
                        BY_OPCODE[protocol.ordinal()][opcode] = command;
                    }
                }
            }
        }
    }

    /** @return whether the generation has this command ({@link TcpProtocol#AUTO} has none) */
    public boolean existsIn(TcpProtocol protocol) {
        return opcodeIn(protocol) != NONE;
    }

    /**
     * @return the opcode of this command in the generation
     * @throws IllegalArgumentException if the generation has no such command
     */
    public int opcode(TcpProtocol protocol) {
        int opcode = opcodeIn(protocol);
        if (opcode == NONE) {
            throw new IllegalArgumentException(this + " is not part of the " + protocol + " TCPStore protocol");
        }
        return opcode;
    }

    /** @return the command of the opcode in the generation, or {@code null} if it has none */
    public static @Nullable Command of(TcpProtocol protocol, int opcode) {
        return opcode >= 0 && opcode < OPCODES ? BY_OPCODE[protocol.ordinal()][opcode] : null;
    }

    /** @return the command's opcode in the generation, or {@link #NONE} if that generation lacks it */
    private int opcodeIn(TcpProtocol protocol) {
        return switch (protocol) {
            case AUTO -> NONE;
            case LEGACY -> legacyOpcode;
            case V2_1 -> v21Opcode;
            case MODERN -> modernOpcode;
        };
    }
}
