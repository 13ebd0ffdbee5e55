package dev.kvstore.tcp.server;

/**
 * A request the server will not serve (unknown opcode, a length past the limits, GET of a missing key, ADD to a
 * non-number...). It closes the offending connection only, as PyTorch's own server does.
 */
final class ProtocolViolation extends Exception {

    private static final long serialVersionUID = 1L;

    ProtocolViolation(String message) {
        super(message, null, false, false);
    }
}
