package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.client.SocketConnector;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out which {@link TcpProtocol} a TCPStore master speaks, without ever making it wait for bytes.
 *
 * <p>PyTorch 1.13 to 2.1 masters read each request with blocking reads on one thread: a request cut short (the 2.2+
 * VALIDATE handshake reads as the start of a legacy SET) stalls every other client until more bytes come. So each
 * probe is one short connection that sends its bytes and then closes its write side: a master that reads past them
 * meets end-of-stream at once and drops just that connection. The probes, in order:
 * <ol>
 *   <li>legacy GETNUMKEYS (opcode 6, no arguments). PyTorch 1.13/2.0/2.1 and the Java server answer it; PyTorch 2.2+
 *       closes the connection (its first message must be VALIDATE; libuv servers read an unfinished WAIT and meet
 *       end-of-stream): {@link TcpProtocol#MODERN}.</li>
 *   <li>VALIDATE then GETNUMKEYS (opcode 7): the Java server answers (it serves modern clients too), so it gets
 *       {@link TcpProtocol#MODERN}; a PyTorch legacy master reads an unfinished SET and closes.</li>
 *   <li>2.1's CANCEL_WAIT (opcode 11): PyTorch 2.1 answers WAIT_CANCELED ({@link TcpProtocol#V2_1}),
 *       1.13/2.0 close on the unknown opcode ({@link TcpProtocol#LEGACY}).</li>
 * </ol>
 * An explicit choice is checked with the same probes, so a wrong one fails before anything stalls the master.
 */
final class ProtocolProbe {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);

    /** The longest a probe waits for the master to answer or close. */
    static final Duration MAX_ANSWER_WAIT = Duration.ofSeconds(10);
    /** Where the user chooses the protocol, for messages. */
    static final String SETTING = "kvstore.tcp.protocol (TcpKVStore.Builder.protocol)";

    private static final byte[] LEGACY_GETNUMKEYS = {(byte) Command.GETNUMKEYS.opcode(TcpProtocol.LEGACY)};
    private static final byte[] MODERN_HANDSHAKE_GETNUMKEYS = WireFormat.allocate(6)
            .put(WireFormat.validateHandshake()).put((byte) Command.GETNUMKEYS.opcode(TcpProtocol.MODERN)).array();
    private static final byte[] V2_1_CANCEL_WAIT = {(byte) Command.CANCEL_WAIT.opcode(TcpProtocol.V2_1)};
    /** GETNUMKEYS answers with an i64. */
    private static final int GETNUMKEYS_REPLY_BYTES = WireFormat.I64_BYTES;

    private final String host;
    private final int port;
    private final Duration connectTimeout;
    private final Duration answerTimeout;
    private final BooleanSupplier abandoned;

    /**
     * @param timeout bound of connecting (the master may start later); a probe's answer is awaited at most
     *     {@link #MAX_ANSWER_WAIT} of it
     * @param abandoned checked between connection attempts: {@code true} once the store probing was closed
     */
    ProtocolProbe(String host, int port, Duration timeout, BooleanSupplier abandoned) {
        this.host = host;
        this.port = port;
        this.connectTimeout = timeout;
        this.answerTimeout = timeout.compareTo(MAX_ANSWER_WAIT) < 0 ? timeout : MAX_ANSWER_WAIT;
        this.abandoned = abandoned;
    }

    /**
     * The generation a master {@link TcpKVStore} speaks to its own server: the chosen one, or {@code MODERN} for
     * {@link TcpProtocol#AUTO}. Its server serves {@code MODERN} and its legacy numbering only.
     *
     * @throws IllegalArgumentException if the choice is neither
     */
    static TcpProtocol forOwnServer(TcpProtocol selection, TcpProtocol serverLegacyProtocol) {
        TcpProtocol own = selection.isGeneration() ? selection : TcpProtocol.MODERN;
        if (own != TcpProtocol.MODERN && own != serverLegacyProtocol) {
            throw new IllegalArgumentException("this master's server speaks MODERN and, to clients without "
                    + "handshake, " + serverLegacyProtocol + "; " + SETTING + " = " + own
                    + " matches neither: use auto");
        }
        return own;
    }

    /**
     * The generation to speak with this master: the chosen one once {@linkplain #verify verified}, or the
     * {@linkplain #detect detected} one for {@link TcpProtocol#AUTO} (logged at INFO with the evidence).
     */
    TcpProtocol resolve(TcpProtocol selection) {
        if (selection.isGeneration()) {
            verify(selection);
            log.debug("TCPStore master {}:{} serves the {} protocol chosen by kvstore.tcp.protocol", host, port,
                    selection);
            return selection;
        }
        Finding found = detect();
        log.info("TCPStore master {}:{} speaks the {} protocol ({}), detected by kvstore.tcp.protocol=auto: {}", host,
                port, found.generation(), describe(found.generation()), found.evidence());
        return found.generation();
    }

    /** What the probes found: the generation and the evidence, for the log and for messages. */
    record Finding(TcpProtocol generation, String evidence) {
    }

    /**
     * @return the generation the master speaks with clients like this one
     * @throws KVStoreTimeoutException if the master did not accept a connection, or neither answered nor closed one
     */
    Finding detect() {
        if (!answers(LEGACY_GETNUMKEYS, GETNUMKEYS_REPLY_BYTES, "a legacy GETNUMKEYS")) {
            return new Finding(TcpProtocol.MODERN,
                    "it closed the connection on a legacy GETNUMKEYS, as PyTorch 2.2+ does");
        }
        if (answers(MODERN_HANDSHAKE_GETNUMKEYS, GETNUMKEYS_REPLY_BYTES, "VALIDATE and GETNUMKEYS")) {
            return new Finding(TcpProtocol.MODERN,
                    "it answered a legacy GETNUMKEYS and, after the 2.2+ handshake, a modern one, as the Java "
                            + "TCPStore server does");
        }
        return legacyNumbering("it answered a legacy GETNUMKEYS but closed on the 2.2+ handshake, as PyTorch "
                + "1.13-2.1 do; ");
    }

    /**
     * Checks that the master serves the chosen generation.
     *
     * @throws ProtocolMismatchException naming {@link #SETTING} if it does not
     */
    void verify(TcpProtocol chosen) {
        if (!answers(LEGACY_GETNUMKEYS, GETNUMKEYS_REPLY_BYTES, "a legacy GETNUMKEYS")) {
            if (chosen != TcpProtocol.MODERN) {
                throw mismatch(chosen, new Finding(TcpProtocol.MODERN,
                        "it closed the connection on a legacy GETNUMKEYS, as PyTorch 2.2+ does"));
            }
            return;
        }
        if (chosen == TcpProtocol.MODERN) {
            if (!answers(MODERN_HANDSHAKE_GETNUMKEYS, GETNUMKEYS_REPLY_BYTES, "VALIDATE and GETNUMKEYS")) {
                // Sending the handshake for real would stall this master's other clients.
                throw mismatch(chosen, legacyNumbering("it answered a legacy GETNUMKEYS but closed on the 2.2+ "
                        + "handshake, as PyTorch 1.13-2.1 do; "));
            }
            return;
        }
        Finding found = legacyNumbering("it answered a legacy GETNUMKEYS; ");
        if (found.generation() != chosen) {
            throw mismatch(chosen, found);
        }
    }

    /** Tells 2.1 from 1.13/2.0 (or a Java server's legacy numbering) by CANCEL_WAIT, which only 2.1 has. */
    private Finding legacyNumbering(String evidence) {
        byte @Nullable [] reply = exchange(V2_1_CANCEL_WAIT, 1, "2.1's CANCEL_WAIT");
        if (reply == null) {
            return new Finding(TcpProtocol.LEGACY,
                    evidence + "it closed the connection on 2.1's CANCEL_WAIT, as PyTorch 1.13/2.0 do");
        }
        if (reply[0] != ReplyCodes.WAIT_CANCELED) {
            throw unexpected("2.1's CANCEL_WAIT", "reply " + reply[0]);
        }
        return new Finding(TcpProtocol.V2_1, evidence + "it answered 2.1's CANCEL_WAIT, as PyTorch 2.1 does");
    }

    private boolean answers(byte[] request, int replyLength, String what) {
        return exchange(request, replyLength, what) != null;
    }

    /**
     * Sends the request on a new connection, closes the write side and reads the reply.
     *
     * @return the reply, or {@code null} if the master closed the connection without one
     */
    private byte @Nullable [] exchange(byte[] request, int replyLength, String what) {
        Socket socket = SocketConnector.open(host, port, connectTimeout, abandoned);
        byte[] reply = new byte[replyLength];
        int received = 0;
        try {
            socket.setSoTimeout((int) Math.max(1, answerTimeout.toMillis()));
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            while (received < replyLength) {
                int n = in.read(reply, received, replyLength - received);
                if (n < 0) {
                    break;
                }
                received += n;
            }
        } catch (SocketTimeoutException e) {
            throw new KVStoreTimeoutException(prefix() + "neither answered nor closed the connection within "
                    + answerTimeout + " after " + what + ", so its protocol cannot be told or checked "
                    + "(is it overloaded or stopped?). Nothing was left unfinished on it.", e);
        } catch (IOException e) {
            // A reset is how some masters close: the same as end-of-stream, unless part of a reply came.
            if (received > 0) {
                throw unexpected(what, "connection failed after " + received + " bytes: " + e);
            }
        } finally {
            SocketConnector.closeQuietly(socket);
        }
        if (received == 0) {
            return null;
        }
        if (received < replyLength) {
            throw unexpected(what, received + " of " + replyLength + " reply bytes, then end of stream");
        }
        return reply;
    }

    private ProtocolMismatchException mismatch(TcpProtocol chosen, Finding found) {
        return new ProtocolMismatchException(host + ":" + port, SETTING, chosen, found.generation(), found.evidence());
    }

    private KVStoreConnectionException unexpected(String what, String detail) {
        return new KVStoreConnectionException(prefix() + "unexpected answer to " + what + " (" + detail
                + "): is this a TCPStore master?");
    }

    private String prefix() {
        return "TCPStore master " + host + ":" + port + " ";
    }

    /** @return which masters speak the generation, for log lines and messages */
    static String describe(TcpProtocol generation) {
        return switch (generation) {
            case LEGACY -> "PyTorch 1.13/2.0";
            case V2_1 -> "PyTorch 2.1";
            case MODERN -> "PyTorch 2.2+ or the Java server";
            case AUTO -> "any master (detected)";
        };
    }
}
