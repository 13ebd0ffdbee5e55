package dev.kvstore.tcp.protocol;

import org.jspecify.annotations.Nullable;

/**
 * The generations of PyTorch's c10d TCPStore wire protocol: which {@link Command}s exist and under which opcodes.
 * Framing is the same in all of them ({@link WireFormat}). A {@link #MODERN} connection opens with VALIDATE and
 * {@link #VALIDATE_MAGIC}; {@link #LEGACY} and {@link #V2_1} send no handshake and cannot be told apart by their bytes.
 */
public enum Generation {

    /** PyTorch 1.13 and 2.0: no handshake, WATCH_KEY is opcode 7, DELETE_KEY 8, no CANCEL_WAIT. */
    LEGACY,

    /** PyTorch 2.1: no handshake, WATCH_KEY removed so DELETE_KEY is 7, adds APPEND, MULTI_GET/SET, CANCEL_WAIT. */
    V2_1,

    /**
     * PyTorch 2.2 and later, and the Java server: VALIDATE opens every connection; PING from 2.5, queues from 2.8,
     * LIST_KEYS from 2.10.
     */
    MODERN;

    /** The magic number a {@link #MODERN} client sends with VALIDATE, as a u32. */
    public static final int VALIDATE_MAGIC = 0x3C85F7CE;

    /** Opcodes are one byte. */
    private static final int OPCODES = 256;

    private final @Nullable Command[] commandByOpcode = new Command[OPCODES];

    static {
        // After all constants exist: the opcode columns are looked up by generation.
        for (Generation generation : values()) {
            for (Command command : Command.values()) {
                int opcode = command.opcodeIn(generation);
                if (opcode != Command.NONE) {
                    generation.commandByOpcode[opcode] = command;
                }
            }
        }
    }

    /** @return whether this generation has the command */
    public boolean supports(Command command) {
        return command.opcodeIn(this) != Command.NONE;
    }

    /**
     * @return the opcode of the command in this generation
     * @throws UnsupportedOperationException if this generation has no such command
     */
    public int opcode(Command command) {
        int opcode = command.opcodeIn(this);
        if (opcode == Command.NONE) {
            throw new UnsupportedOperationException(command + " is not part of the " + this + " TCPStore protocol");
        }
        return opcode;
    }

    /** @return the command of the opcode in this generation, or {@code null} if it has none */
    public @Nullable Command command(int opcode) {
        return opcode >= 0 && opcode < OPCODES ? commandByOpcode[opcode] : null;
    }
}
