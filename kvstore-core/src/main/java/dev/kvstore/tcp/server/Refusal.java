package dev.kvstore.tcp.server;

/**
 * Why the server closed a client's connection on its own: each costs that one connection, never the server or the
 * stored data. Counted in {@link ServerStatus#refusals()}.
 */
public enum Refusal {

    /** A key, value, key count or request past its limit, or pending WAITs/watches past {@code maxRequestBytes}. */
    OVERSIZE("oversize"),
    /** Bytes that are no valid request: an unknown opcode, a wrong VALIDATE magic, GET of a missing key... */
    PROTOCOL_VIOLATION("protocol violation"),
    /** The connection held the most bytes of partly received requests when they passed {@code maxPendingBytes}. */
    PENDING_BUDGET("pending-bytes budget"),
    /** The connection sent part of a request and then nothing for {@code partialRequestTimeout}. */
    PARTIAL_REQUEST_TIMEOUT("partial-request timeout"),
    /** Replies the client did not read piled up past 64 MiB. */
    UNREAD_REPLIES("unread replies"),
    /**
     * The server's memory budget ({@code maxMemoryBytes}) was full: the connection held the most unread replies (or
     * asked for a reply that did not fit).
     */
    MEMORY_BUDGET("memory budget"),
    /**
     * A write would have grown the store past {@code maxStoreBytes}, or its entries past their share of
     * {@code maxMemoryBytes}; it stored nothing.
     */
    STORE_FULL("store full"),
    /**
     * The store of a gateway (etcd) failed a request or did not answer it within its request timeout; the
     * client learns it by the closed connection, as it would of a dead master.
     */
    STORE_UNAVAILABLE("store unavailable"),
    /** An unexpected error (a defect, {@link OutOfMemoryError}...) while serving the connection. */
    FAILURE("unexpected error");

    private final String label;

    Refusal(String label) {
        this.label = label;
    }

    /** @return a short lower-case name for log lines */
    public String label() {
        return label;
    }
}
