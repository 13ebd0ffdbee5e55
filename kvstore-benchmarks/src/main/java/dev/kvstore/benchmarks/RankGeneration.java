package dev.kvstore.benchmarks;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.protocol.wire.WireOutput;
import dev.kvstore.testing.PythonRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What a PyTorch rank of one generation sends, byte for byte, as the {@link RankSimulator} replays it: the frames of a
 * worker's {@code TCPStore(host, port, world_size, is_master=False)} and of the store-based barrier of PyTorch's
 * "Introduction to Libuv TCPStore Backend" tutorial. Built with the project's {@link WireOutput}; that they equal a
 * real client's bytes is asserted against real torch clients (RankSimulatorBytesTest).
 *
 * <ul>
 *   <li>{@link #TORCH_1_13}: ADD {@code init/} 1 on the main connection, then a second, idle "callback" connection.
 *   <li>{@link #TORCH_2_6} and {@link #TORCH_NEWEST}: VALIDATE, PING with a nonce (the client's pid) that the master
 *       echoes, then ADD {@code init/} 1; one connection.
 * </ul>
 */
enum RankGeneration {

    TORCH_1_13("1.13", TcpProtocol.LEGACY, PythonRuntime.TORCH_1_13),
    TORCH_2_6("2.6", TcpProtocol.MODERN, PythonRuntime.TORCH_2_6),
    TORCH_NEWEST("newest", TcpProtocol.MODERN, PythonRuntime.TORCH_NEWEST);

    /** The tutorial's key prefix; torch's Python client puts "/" before every user key. */
    static final String BARRIER_KEY_PREFIX = "/store_based_barrier_key:";

    private final String label;
    private final TcpProtocol protocol;
    private final PythonRuntime runtime;

    RankGeneration(String label, TcpProtocol protocol, PythonRuntime runtime) {
        this.label = label;
        this.protocol = protocol;
        this.runtime = runtime;
    }

    /** @return the generation named on the command line ({@code 1.13}, {@code 2.6}, {@code newest}) */
    static RankGeneration of(String label) {
        for (RankGeneration generation : values()) {
            if (generation.label.equals(label)) {
                return generation;
            }
        }
        throw new IllegalArgumentException("no rank generation " + label + "; one of 1.13, 2.6, newest");
    }

    String label() {
        return label;
    }

    /** @return the runtime whose real clients and master this generation is */
    PythonRuntime runtime() {
        return runtime;
    }

    /** @return whether a rank opens the second (callback) connection after registering */
    boolean callbackConnection() {
        return protocol == TcpProtocol.LEGACY;
    }

    /** @return the handshake a rank sends first (VALIDATE and PING), or nothing; see {@link #handshakeReplyBytes} */
    byte[] handshake(int nonce) {
        if (protocol != TcpProtocol.MODERN) {
            return new byte[0];
        }
        return frame(out -> out.opcode(protocol, Command.VALIDATE).u32(WireFormat.VALIDATE_MAGIC)
                .opcode(protocol, Command.PING).u32(nonce));
    }

    /** @return the bytes of the master's answer to {@link #handshake}: PING's echo */
    int handshakeReplyBytes() {
        return protocol == TcpProtocol.MODERN ? WireFormat.U32_BYTES : 0;
    }

    /** @return ADD key delta (its reply: an i64) */
    byte[] add(String key, long delta) {
        return frame(out -> out.opcode(protocol, Command.ADD).string(key).i64(delta));
    }

    /** @return SET key value (no reply) */
    byte[] set(String key, String value) {
        return frame(out -> out.opcode(protocol, Command.SET).string(key).string(value));
    }

    /** @return WAIT for one key (its reply: one byte) */
    byte[] waitFor(String key) {
        return frame(out -> out.opcode(protocol, Command.WAIT).keys(List.of(key)));
    }

    /** @return the barrier's counter key of a round */
    static String barrierKey(String round) {
        return BARRIER_KEY_PREFIX + round;
    }

    /** @return the key the round's last arrival sets */
    static String lastWorkerKey(String round) {
        return barrierKey(round) + ":last_worker";
    }

    private interface Writes {
        void to(WireOutput out) throws IOException;
    }

    private static byte[] frame(Writes writes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            WireOutput out = new WireOutput(bytes);
            writes.to(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }
}
