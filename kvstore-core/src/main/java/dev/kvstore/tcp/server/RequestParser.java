package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Incremental parser of one connection's request stream. Bytes may arrive split anywhere (PyTorch 1.13 sends every
 * field with its own {@code send()}); the parser keeps its place between calls and hands out each request once it is
 * complete. Lengths and counts are checked against the limits before anything is allocated for them, and so is
 * the request's running total, so that one request (say a MULTI_SET of many large values) cannot make the server
 * buffer more than {@link ServerLimits#maxRequestBytes()}.
 *
 * <p>A declared length costs nothing until its bytes arrive. A key or value that arrives in one read is copied once,
 * into an array of its exact size. One that arrives over several reads is kept in pieces of at most 64 KiB, each at
 * most twice the previous one, so what it holds grows with the bytes received; the complete field is then copied
 * into one array of its exact size. {@link #heldBytes()} is what the partly received request holds, for the
 * server-wide budget of {@link ServerLimits#maxPendingBytes()}.
 *
 * <p>The first bytes decide the protocol generation: {@code 00 CE F7 85 3C} (VALIDATE with the magic number) selects
 * {@link TcpProtocol#MODERN}; anything else the configured legacy numbering. A legacy SET also starts with
 * {@code 00}, but a key length starting with the magic bytes would be far past any key limit.
 */
final class RequestParser {

    /** Receives each complete request; may reject it, which stops parsing. */
    @FunctionalInterface
    interface RequestSink {
        void accept(Request request) throws ProtocolViolation;
    }

    private static final byte[] VALIDATE_PREFIX = WireFormat.validateHandshake();
    private static final byte[] EMPTY = new byte[0];
    /** The first piece of a field that arrives over several reads holds at least this much (or the whole rest). */
    private static final int MIN_PIECE = 1024;
    /**
     * Largest piece: a read's worth, and far below half a G1 region (1 MiB at least), where humongous objects start.
     */
    private static final int MAX_PIECE = 64 * 1024;
    /** Heap of a received key or value beyond its bytes (object headers, list slot), as charged to the budget. */
    private static final int FIELD_OVERHEAD = 48;

    /** How a command's arguments are laid out on the wire. */
    private enum Shape { NONE, U32, KEY, KEY_I64, KEY_VALUE, KEY_VALUE_VALUE, KEY_LIST, KEY_VALUE_LIST }

    private enum Field { U32, I64, COUNT, KEY, VALUE }

    private final ServerLimits limits;
    private final TcpProtocol legacyGeneration;
    private @Nullable TcpProtocol generation;
    private final byte[] detected = new byte[VALIDATE_PREFIX.length];
    private int detectedLength;

    private @Nullable Command command;
    private @Nullable Shape shape;
    private int fieldIndex;
    private long count;
    private @Nullable List<String> keys;
    private @Nullable List<byte[]> values;
    private long number;
    /** Bytes of the current request received so far, opcode and length prefixes included. */
    private long requestBytes;

    /** Holds fixed-size fields and length prefixes while they arrive. */
    private final ByteBuffer scratch = WireFormat.allocate(WireFormat.I64_BYTES);
    /** The key or value being received: {@link #payloadLength} declared, {@link #payloadFilled} arrived. */
    private byte @Nullable [] payload;
    private int payloadFilled;
    /** A field arriving over several reads, until it is complete: the pieces, the last one filled up to pieceFilled. */
    private final List<byte[]> pieces = new ArrayList<>();
    private byte @Nullable [] piece;
    private int pieceFilled;
    /** Declared length of the key or value being received; -1 while its length prefix has not arrived. */
    private int payloadLength = -1;
    /** Bytes the current, incomplete request holds: its completed keys and values and the payload buffer. */
    private long heldBytes;

    RequestParser(ServerLimits limits, TcpProtocol legacyGeneration) {
        this.limits = limits;
        this.legacyGeneration = legacyGeneration;
    }

    /** @return the generation detected from the first bytes, or {@code null} before that */
    @Nullable TcpProtocol generation() {
        return generation;
    }

    /** @return whether a request has been started but not completed */
    boolean inTheMiddleOfARequest() {
        return command != null || (generation == null && detectedLength > 0);
    }

    /** @return the command being received, for log lines; {@code null} between requests */
    @Nullable Command partialCommand() {
        return command;
    }

    /** @return heap bytes held by the request being received (zero between requests) */
    long heldBytes() {
        return heldBytes;
    }

    /** Drops the partly received request and what it holds; the connection is going away. */
    void discard() {
        command = null;
        keys = null;
        values = null;
        payload = null;
        payloadLength = -1;
        pieces.clear();
        piece = null;
        heldBytes = 0;
    }

    /**
     * Consumes all remaining bytes of {@code in}, passing every completed request to the sink in order.
     *
     * @throws ProtocolViolation if the stream is malformed or the sink rejects a request
     */
    void feed(ByteBuffer in, RequestSink sink) throws ProtocolViolation {
        if (generation == null && !detectGeneration(in)) {
            return;
        }
        parse(in, sink);
    }

    /** @return whether the generation is known; if so, bytes held back while deciding have been parsed (later) */
    private boolean detectGeneration(ByteBuffer in) {
        while (in.hasRemaining() && detectedLength < VALIDATE_PREFIX.length) {
            byte b = in.get();
            detected[detectedLength++] = b;
            if (b != VALIDATE_PREFIX[detectedLength - 1]) {
                generation = legacyGeneration;
                return true;
            }
        }
        if (detectedLength == VALIDATE_PREFIX.length) {
            generation = TcpProtocol.MODERN;
            detectedLength = 0; // VALIDATE and its magic are consumed; nothing to replay
            return true;
        }
        return false;
    }

    private void parse(ByteBuffer in, RequestSink sink) throws ProtocolViolation {
        if (detectedLength > 0) {
            ByteBuffer heldBack = ByteBuffer.wrap(detected, 0, detectedLength);
            detectedLength = 0;
            parse(heldBack, sink);
        }
        while (true) {
            if (command == null) {
                if (!in.hasRemaining()) {
                    return;
                }
                begin(in.get() & 0xFF);
            }
            Field field = nextField();
            if (field == null) {
                Request request = new Request(command, keys, values, number);
                command = null;
                heldBytes = 0; // handed over: stored or answered by the sink, no longer pending
                sink.accept(request);
                continue;
            }
            if (!readField(field, in)) {
                return;
            }
            fieldIndex++;
        }
    }

    private void begin(int opcode) throws ProtocolViolation {
        Command next = Command.of(generation, opcode);
        if (next == null) {
            throw new ProtocolViolation("unknown opcode " + opcode + " for the " + generation + " protocol");
        }
        command = next;
        shape = shapeOf(next);
        fieldIndex = 0;
        count = 0;
        keys = new ArrayList<>(2);
        values = new ArrayList<>(2);
        number = 0;
        requestBytes = 1;
        heldBytes = 0;
    }

    private static Shape shapeOf(Command command) {
        return switch (command) {
            case VALIDATE, PING -> Shape.U32;
            case SET, APPEND, QUEUE_PUSH, EXT_SET_EPHEMERAL -> Shape.KEY_VALUE;
            case COMPARE_SET -> Shape.KEY_VALUE_VALUE;
            case GET, DELETE_KEY, WATCH_KEY, QUEUE_POP, QUEUE_LEN, EXT_WATCH_PREFIX -> Shape.KEY;
            case ADD -> Shape.KEY_I64;
            case CHECK, WAIT, MULTI_GET -> Shape.KEY_LIST;
            case MULTI_SET -> Shape.KEY_VALUE_LIST;
            case GETNUMKEYS, CANCEL_WAIT, LIST_KEYS, EXT_IDENTIFY -> Shape.NONE;
        };
    }

    /** @return the next field of the current request, or {@code null} when it is complete */
    private @Nullable Field nextField() {
        int i = fieldIndex;
        return switch (shape) {
            case NONE -> null;
            case U32 -> i == 0 ? Field.U32 : null;
            case KEY -> i == 0 ? Field.KEY : null;
            case KEY_I64 -> i == 0 ? Field.KEY : i == 1 ? Field.I64 : null;
            case KEY_VALUE -> i == 0 ? Field.KEY : i == 1 ? Field.VALUE : null;
            case KEY_VALUE_VALUE -> i == 0 ? Field.KEY : i <= 2 ? Field.VALUE : null;
            case KEY_LIST -> i == 0 ? Field.COUNT : i <= count ? Field.KEY : null;
            case KEY_VALUE_LIST -> i == 0 ? Field.COUNT
                    : i <= 2 * count ? (i % 2 == 1 ? Field.KEY : Field.VALUE) : null;
        };
    }

    /** @return whether the field is complete; otherwise all of {@code in} was consumed */
    private boolean readField(Field field, ByteBuffer in) throws ProtocolViolation {
        switch (field) {
            case U32 -> {
                if (!fillScratch(in, WireFormat.U32_BYTES)) {
                    return false;
                }
                number = Integer.toUnsignedLong(scratch.getInt(0));
            }
            case I64 -> {
                if (!fillScratch(in, WireFormat.I64_BYTES)) {
                    return false;
                }
                number = scratch.getLong(0);
            }
            case COUNT -> {
                if (!fillScratch(in, WireFormat.I64_BYTES)) {
                    return false;
                }
                count = checkedLength(scratch.getLong(0), limits.maxKeysPerRequest(), "key count");
                requestBytes += WireFormat.I64_BYTES;
                int expected = (int) Math.min(count, 1024);
                keys = new ArrayList<>(expected);
                values = new ArrayList<>(command == Command.MULTI_SET ? expected : 0);
            }
            case KEY, VALUE -> {
                if (!readBytes(in, field)) {
                    return false;
                }
            }
        }
        scratch.clear();
        return true;
    }

    private boolean readBytes(ByteBuffer in, Field field) throws ProtocolViolation {
        if (payloadLength < 0) {
            if (!fillScratch(in, WireFormat.I64_BYTES)) {
                return false;
            }
            long length = field == Field.KEY
                    ? checkedLength(scratch.getLong(0), limits.maxKeyBytes(), "key length")
                    : checkedLength(scratch.getLong(0), limits.maxValueBytes(), "value length");
            scratch.clear();
            requestBytes += WireFormat.I64_BYTES + length;
            if (requestBytes > limits.maxRequestBytes()) {
                throw new ProtocolViolation(Refusal.OVERSIZE, command + " request of at least " + requestBytes
                        + " bytes exceeds the limit of " + limits.maxRequestBytes() + " bytes per request");
            }
            payloadLength = (int) length;
            payloadFilled = 0;
        }
        int take = Math.min(in.remaining(), payloadLength - payloadFilled);
        if (payloadFilled == 0 && take == payloadLength) {
            // The whole field is here (the common case): one copy, into an array of its exact size.
            payload = take == 0 ? EMPTY : new byte[take];
            in.get(payload);
            payloadFilled = take;
            heldBytes += take;
        } else {
            receivePiece(in, take);
            if (payloadFilled < payloadLength) {
                return false;
            }
            assemblePieces();
        }
        if (field == Field.KEY) {
            keys.add(WireKeys.fromBytes(payload));
        } else {
            values.add(payload);
        }
        heldBytes += FIELD_OVERHEAD;
        payload = null;
        payloadLength = -1;
        return true;
    }

    /**
     * Keeps the bytes of a field that arrives over several reads in pieces: each at most {@link #MAX_PIECE} (small
     * enough never to be a G1 humongous object, so the heap holds what is charged), each at least twice the last,
     * and never past what the declared length still needs.
     */
    private void receivePiece(ByteBuffer in, int take) {
        while (take > 0) {
            if (piece == null || pieceFilled == piece.length) {
                int last = piece == null ? MIN_PIECE / 2 : piece.length;
                int capacity = Math.min(payloadLength - payloadFilled,
                        Math.min(MAX_PIECE, Math.max(take, 2 * last)));
                piece = new byte[capacity];
                pieceFilled = 0;
                pieces.add(piece);
                heldBytes += capacity;
            }
            int n = Math.min(take, piece.length - pieceFilled);
            in.get(piece, pieceFilled, n);
            pieceFilled += n;
            payloadFilled += n;
            take -= n;
        }
    }

    /** The field is complete: one array of its exact size replaces the pieces. */
    private void assemblePieces() {
        payload = new byte[payloadLength];
        int at = 0;
        long released = 0;
        for (byte[] received : pieces) {
            int n = Math.min(received.length, payloadLength - at);
            System.arraycopy(received, 0, payload, at, n);
            at += n;
            released += received.length;
        }
        heldBytes += payloadLength - released;
        pieces.clear();
        piece = null;
    }

    private long checkedLength(long unsignedLength, int limit, String what) throws ProtocolViolation {
        if (unsignedLength < 0 || unsignedLength > limit) {
            throw new ProtocolViolation(Refusal.OVERSIZE, command + " " + what + " "
                    + Long.toUnsignedString(unsignedLength)
                    + " exceeds the limit of " + limit);
        }
        return unsignedLength;
    }

    private boolean fillScratch(ByteBuffer in, int size) {
        while (scratch.position() < size && in.hasRemaining()) {
            scratch.put(in.get());
        }
        return scratch.position() == size;
    }
}
