package dev.kvstore.tcp.server;

/**
 * A {@link ServerStore.Update} that refuses the request (ADD to a non-number, APPEND past the value limit): unchecked,
 * so that the store fails that update alone with it, and turned back into its {@link ProtocolViolation} when the reply
 * is due.
 */
final class RefusedUpdate extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ProtocolViolation violation;

    RefusedUpdate(ProtocolViolation violation) {
        super(violation.getMessage(), violation, false, false);
        this.violation = violation;
    }

    ProtocolViolation violation() {
        return violation;
    }
}
