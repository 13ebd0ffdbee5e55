package dev.kvstore.tcp;

import static dev.kvstore.tcp.protocol.JavaMasterExtension.IDENTIFY;
import static dev.kvstore.tcp.protocol.JavaMasterExtension.SET_EPHEMERAL;
import static dev.kvstore.tcp.protocol.JavaMasterExtension.WATCH_PREFIX;

/**
 * The generations of PyTorch's c10d TCPStore wire protocol. They differ in opcode numbering and handshake; framing is
 * the same (little-endian, u64 lengths). One job runs one torch version, so a client is configured with one
 * generation; a server detects {@link #MODERN} from the VALIDATE handshake and is configured with the legacy
 * numbering ({@link #LEGACY} or {@link #V2_1}) to use for clients that send none.
 */
public enum ProtocolGeneration {

    /** PyTorch 1.13 and 2.0: no handshake, WATCH_KEY is opcode 7, DELETE_KEY 8, no CANCEL_WAIT. */
    LEGACY(new int[] {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        IDENTIFY, WATCH_PREFIX, SET_EPHEMERAL}),

    /** PyTorch 2.1: no handshake, WATCH_KEY removed so DELETE_KEY is 7, adds APPEND, MULTI_GET/SET, CANCEL_WAIT. */
    V2_1(new int[] {-1, 0, 1, 2, 3, 4, 5, 6, -1, 7, 8, 9, 10, 11, -1, -1, -1, -1, -1,
        IDENTIFY, WATCH_PREFIX, SET_EPHEMERAL}),

    /**
     * PyTorch 2.2 and later: VALIDATE (magic {@code 0x3C85F7CE}) opens every connection; PING from 2.5, queues from
     * 2.8, LIST_KEYS from 2.10.
     */
    MODERN(new int[] {0, 1, 2, 3, 4, 5, 6, 7, -1, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
        IDENTIFY, WATCH_PREFIX, SET_EPHEMERAL});

    /** The magic number a {@link #MODERN} client sends with VALIDATE. */
    public static final int VALIDATE_MAGIC = 0x3C85F7CE;

    private final int[] opcodeByCommand;
    private final Command[] commandByOpcode;

    ProtocolGeneration(int[] opcodeByCommand) {
        this.opcodeByCommand = opcodeByCommand;
        this.commandByOpcode = new Command[256];
        Command[] commands = Command.values();
        for (int i = 0; i < commands.length; i++) {
            if (opcodeByCommand[i] >= 0) {
                commandByOpcode[opcodeByCommand[i]] = commands[i];
            }
        }
    }

    /** @return whether this generation has the command */
    public boolean supports(Command command) {
        return opcodeByCommand[command.ordinal()] >= 0;
    }

    /**
     * @return the opcode of the command in this generation
     * @throws UnsupportedOperationException if this generation has no such command
     */
    public int opcode(Command command) {
        int opcode = opcodeByCommand[command.ordinal()];
        if (opcode < 0) {
            throw new UnsupportedOperationException(command + " is not part of the " + this + " TCPStore protocol");
        }
        return opcode;
    }

    /** @return the command of the opcode in this generation, or {@code null} if unknown */
    public Command command(int opcode) {
        return opcode >= 0 && opcode < commandByOpcode.length ? commandByOpcode[opcode] : null;
    }

    /**
     * The TCPStore commands, in the order of the opcode tables above. The {@code EXT_} commands are the Java master's
     * extension ({@link dev.kvstore.tcp.protocol.JavaMasterExtension}), with the same opcodes in every generation:
     * send them only to a master known to be the Java master.
     */
    public enum Command {
        VALIDATE, SET, COMPARE_SET, GET, ADD, CHECK, WAIT, GETNUMKEYS, WATCH_KEY, DELETE_KEY, APPEND, MULTI_GET,
        MULTI_SET, CANCEL_WAIT, PING, QUEUE_PUSH, QUEUE_POP, QUEUE_LEN, LIST_KEYS, EXT_IDENTIFY, EXT_WATCH_PREFIX,
        EXT_SET_EPHEMERAL
    }
}
