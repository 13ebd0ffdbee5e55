package dev.kvstore.tcp;

import dev.kvstore.tcp.protocol.Generation;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The generation of PyTorch's c10d TCPStore protocol a {@link TcpKVStore} or {@link TcpStoreClient} speaks, as users
 * name it (builders, {@code kvstore.tcp.server-legacy-protocol}). They differ in opcode numbering and handshake; the
 * tables themselves live with the wire format in {@link Generation}, which the server uses. One job runs one torch
 * version, so a client is configured with one generation; a server detects {@link #MODERN} from the VALIDATE
 * handshake and is configured with the legacy numbering ({@link #LEGACY} or {@link #V2_1}) to use for clients that
 * send none.
 */
public enum ProtocolGeneration {

    /** PyTorch 1.13 and 2.0: no handshake, WATCH_KEY is opcode 7, DELETE_KEY 8, no CANCEL_WAIT. */
    LEGACY(Generation.LEGACY),

    /** PyTorch 2.1: no handshake, WATCH_KEY removed so DELETE_KEY is 7, adds APPEND, MULTI_GET/SET, CANCEL_WAIT. */
    V2_1(Generation.V2_1),

    /**
     * PyTorch 2.2 and later: VALIDATE (magic {@code 0x3C85F7CE}) opens every connection; PING from 2.5, queues from
     * 2.8, LIST_KEYS from 2.10.
     */
    MODERN(Generation.MODERN);

    /** The magic number a {@link #MODERN} client sends with VALIDATE. */
    public static final int VALIDATE_MAGIC = Generation.VALIDATE_MAGIC;

    private final Generation wire;

    ProtocolGeneration(Generation wire) {
        this.wire = wire;
    }

    /** @return the opcode tables of this generation, as the wire format and the server know it */
    public Generation wire() {
        return wire;
    }

    /** @return the generation of these opcode tables */
    public static ProtocolGeneration of(Generation wire) {
        Objects.requireNonNull(wire, "wire");
        return switch (wire) {
            case LEGACY -> LEGACY;
            case V2_1 -> V2_1;
            case MODERN -> MODERN;
        };
    }

    /**
     * @return whether this generation has the command
     * @deprecated the tables moved to the wire format: use {@code wire().supports(command)}
     */
    @Deprecated
    public boolean supports(Command command) {
        return wire.supports(command.wire());
    }

    /**
     * @return the opcode of the command in this generation
     * @throws UnsupportedOperationException if this generation has no such command
     * @deprecated the tables moved to the wire format: use {@code wire().opcode(command)}
     */
    @Deprecated
    public int opcode(Command command) {
        return wire.opcode(command.wire());
    }

    /**
     * @return the command of the opcode in this generation, or {@code null} if unknown
     * @deprecated the tables moved to the wire format: use {@code wire().command(opcode)}
     */
    @Deprecated
    public @Nullable Command command(int opcode) {
        dev.kvstore.tcp.protocol.Command command = wire.command(opcode);
        return command == null ? null : Command.valueOf(command.name());
    }

    /**
     * The TCPStore commands.
     *
     * @deprecated moved to the wire format: use {@link dev.kvstore.tcp.protocol.Command}
     */
    @Deprecated
    public enum Command {
        VALIDATE, SET, COMPARE_SET, GET, ADD, CHECK, WAIT, GETNUMKEYS, WATCH_KEY, DELETE_KEY, APPEND, MULTI_GET,
        MULTI_SET, CANCEL_WAIT, PING, QUEUE_PUSH, QUEUE_POP, QUEUE_LEN, LIST_KEYS, EXT_IDENTIFY, EXT_WATCH_PREFIX,
        EXT_SET_EPHEMERAL;

        /** @return the same command of the wire format */
        public dev.kvstore.tcp.protocol.Command wire() {
            return dev.kvstore.tcp.protocol.Command.valueOf(name());
        }
    }
}
