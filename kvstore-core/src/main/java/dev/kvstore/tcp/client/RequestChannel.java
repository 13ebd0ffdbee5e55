package dev.kvstore.tcp.client;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.MalformedFrameException;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.protocol.wire.WireInput;
import dev.kvstore.tcp.protocol.wire.WireOutput;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One socket to a TCPStore master and the exchanges on it, for a {@link TcpStoreClient}: a request is written whole
 * and flushed, then its reply is awaited within the reply timeout; one exchange at a time. A reply timeout, an I/O
 * error or a malformed reply closes the socket (the stream is out of step) and fails with the API's exceptions,
 * naming the master, the command and the keys.
 */
final class RequestChannel {

    /** Writes a request's arguments or reads its reply. */
    @FunctionalInterface
    interface Io<T extends @Nullable Object> {
        T run() throws IOException;
    }

    /** Replies longer than this are treated as a corrupt stream rather than allocated. */
    private static final long MAX_REPLY_BYTES = Integer.MAX_VALUE - 16;
    /** Upper bound for reading the WAIT_CANCELED acknowledgement after a cancelled wait. */
    private static final Duration CANCEL_ACK_TIMEOUT = Duration.ofSeconds(10);
    private static final int BUFFER_BYTES = 64 * 1024;

    private final String master;
    private final TcpProtocol wire;
    private final Duration timeout;
    private final Socket socket;
    private final WireInput in;
    private final WireOutput out;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean open = true;

    /**
     * @param master {@code host:port}, for messages
     * @param timeout bound of every reply
     */
    RequestChannel(String master, TcpProtocol wire, Duration timeout, Socket socket) throws IOException {
        this.master = master;
        this.wire = wire;
        this.timeout = timeout;
        this.socket = socket;
        this.in = new WireInput(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES), MAX_REPLY_BYTES);
        this.out = new WireOutput(new BufferedOutputStream(socket.getOutputStream(), BUFFER_BYTES));
    }

    /** @return where requests are written; only inside {@link #call} */
    WireOutput out() {
        return out;
    }

    /** @return where replies are read; only inside {@link #call} */
    WireInput in() {
        return in;
    }

    /** Sends the VALIDATE handshake if the generation has one. */
    void handshake() throws IOException {
        if (wire == TcpProtocol.MODERN) {
            out.opcode(wire, Command.VALIDATE).u32(WireFormat.VALIDATE_MAGIC).flush();
        }
    }

    /**
     * One exchange: the opcode, then {@code request} writes the arguments; after the flush {@code reply} reads the
     * answer within the reply timeout.
     *
     * @param what the keys, for messages; {@code null} for commands without keys
     * @throws KVStoreException if the generation lacks the command (nothing is sent)
     */
    <T extends @Nullable Object> T call(Command command, @Nullable String what, Io<?> request, Io<T> reply) {
        if (!command.existsIn(wire)) {
            throw lacking(command);
        }
        lock.lock();
        try {
            ensureOpen(command, what);
            try {
                out.opcode(wire, command);
                request.run();
                out.flush();
                socket.setSoTimeout(soTimeout(timeout));
                return reply.run();
            } catch (SocketTimeoutException e) {
                closeSocket();
                throw new KVStoreTimeoutException(prefix() + "no reply to " + command + on(what) + " within "
                        + timeout + ": connection closed", e);
            } catch (IOException e) {
                throw broken(command, what, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * WAIT: {@code request} writes the key list; the reply is awaited at most {@code waitTimeout}. A wait that
     * times out is cancelled (CANCEL_WAIT) where the generation can, which keeps the connection; LEGACY closes it.
     *
     * @throws KVStoreTimeoutException if the keys did not all exist within the timeout
     */
    void await(String what, Io<?> request, Duration waitTimeout) {
        lock.lock();
        try {
            ensureOpen(Command.WAIT, what);
            try {
                out.opcode(wire, Command.WAIT);
                request.run();
                out.flush();
                socket.setSoTimeout(soTimeout(waitTimeout));
                int reply;
                try {
                    reply = in.u8();
                } catch (SocketTimeoutException e) {
                    if (!Command.CANCEL_WAIT.existsIn(wire)) {
                        closeSocket();
                        throw new KVStoreTimeoutException(prefix() + "WAIT for " + what + " timed out after "
                                + waitTimeout + " (LEGACY protocol has no CANCEL_WAIT: connection closed)", e);
                    }
                    if (cancelWait(what)) {
                        return; // STOP_WAITING crossed our CANCEL_WAIT: the keys are there.
                    }
                    throw new KVStoreTimeoutException(
                            prefix() + "WAIT for " + what + " timed out after " + waitTimeout, e);
                }
                if (reply != ReplyCodes.STOP_WAITING) {
                    throw malformed(Command.WAIT, what, "unexpected WAIT reply " + reply);
                }
            } catch (IOException e) {
                throw broken(Command.WAIT, what, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends CANCEL_WAIT and reads up to WAIT_CANCELED.
     *
     * @return whether a STOP_WAITING arrived first (the wait was satisfied after all)
     */
    private boolean cancelWait(String what) throws IOException {
        out.opcode(wire, Command.CANCEL_WAIT).flush();
        socket.setSoTimeout(soTimeout(timeout.compareTo(CANCEL_ACK_TIMEOUT) <= 0 ? timeout : CANCEL_ACK_TIMEOUT));
        boolean satisfied = false;
        while (true) {
            int reply;
            try {
                reply = in.u8();
            } catch (SocketTimeoutException e) {
                closeSocket();
                throw new KVStoreTimeoutException(
                        prefix() + "no WAIT_CANCELED after cancelling the WAIT for " + what + ": connection closed", e);
            }
            if (reply == ReplyCodes.WAIT_CANCELED) {
                return satisfied;
            }
            if (reply != ReplyCodes.STOP_WAITING) {
                throw malformed(Command.CANCEL_WAIT, what, "unexpected reply " + reply);
            }
            satisfied = true;
        }
    }

    /**
     * A command this connection's generation does not have: sending its opcode would mean another command, or close
     * the connection, on the master. Nothing is sent and the connection stays usable.
     */
    private KVStoreException lacking(Command command) {
        List<TcpProtocol> having = Arrays.stream(TcpProtocol.values()).filter(command::existsIn).toList();
        return new KVStoreException(prefix() + command + " is not part of the " + wire + " protocol this connection "
                + "speaks (" + (having.isEmpty() ? "no generation has it" : "generations that have it: " + having)
                + "); nothing was sent. Connect with a generation that has it, to a master that serves it, or use "
                + "TcpKVStore, which uses only the commands of the generation the master speaks.");
    }

    /** Closes the socket and describes a reply that cannot be right. */
    KVStoreConnectionException malformed(Command command, @Nullable String what, String detail) {
        closeSocket();
        return new KVStoreConnectionException(prefix() + "malformed reply to " + command + on(what) + ": " + detail
                + " (is the master speaking the " + wire + " protocol?)");
    }

    private void ensureOpen(Command command, @Nullable String what) {
        if (!open) {
            throw new KVStoreConnectionException(prefix() + "connection is closed; cannot send " + command + on(what));
        }
    }

    private KVStoreException broken(Command command, @Nullable String what, IOException e) {
        boolean wasOpen = open;
        closeSocket();
        if (e instanceof MalformedFrameException) {
            return new KVStoreConnectionException(
                    prefix() + "malformed reply to " + command + on(what) + ": " + e.getMessage(), e);
        }
        String reason = e instanceof EOFException ? "the server closed the connection" : e.toString();
        if (!wasOpen) {
            reason = "the connection was closed";
        }
        return new KVStoreConnectionException(prefix() + command + on(what) + " failed: " + reason, e);
    }

    private String prefix() {
        return "TCPStore " + master + ": ";
    }

    private static String on(@Nullable String what) {
        return what == null ? "" : " of " + what;
    }

    private static int soTimeout(Duration timeout) {
        long ms = Math.max(1, timeout.toMillis());
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    /** @return whether the connection takes requests */
    boolean isOpen() {
        return open;
    }

    /** Closes the socket; an exchange blocked in another thread fails with {@link KVStoreConnectionException}. */
    void closeSocket() {
        open = false;
        SocketConnector.closeQuietly(socket);
    }
}
