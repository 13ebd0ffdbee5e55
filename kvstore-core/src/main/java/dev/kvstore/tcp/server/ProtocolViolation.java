package dev.kvstore.tcp.server;

/**
 * A request the server will not serve (unknown opcode, a length past the limits, GET of a missing key, ADD to a
 * non-number...). It closes the offending connection only, as PyTorch's own server does.
 */
final class ProtocolViolation extends Exception {

    private static final long serialVersionUID = 1L;

    private final Refusal reason;

    ProtocolViolation(String message) {
        this(Refusal.PROTOCOL_VIOLATION, message);
    }

    ProtocolViolation(Refusal reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** @return what the connection is closed for, as counted in {@link ServerStatus#refusals()} */
    Refusal reason() {
        return reason;
    }
}
