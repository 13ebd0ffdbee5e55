package dev.kvstore.tcp.server;

/**
 * Serves the parsed requests of the event loop against where the keys are kept: {@link CommandHandler} in memory
 * (replies at once, the default), {@link GatewayHandler} in a key storage such as etcd (replies when it answers).
 * Called on the event-loop thread only, and must never block it.
 */
interface RequestHandler {

    /**
     * Serves one request of the client; its reply may be queued now or later, but replies go out in request order.
     *
     * @throws ProtocolViolation if the request cannot be served; the caller closes the connection
     */
    void handle(Connection client, Request request) throws ProtocolViolation;

    /** The loop that calls this handler from now on (a new one after a loop restart). */
    default void attach(EventLoop loop) {
    }

    /**
     * The client closed its side of the connection.
     *
     * @return whether replies to its requests are still due; the handler then calls {@link EventLoop#endOfInput}
     *     once they are sent
     */
    default boolean repliesDue(Connection client) {
        return false;
    }

    /** The connection closed: forget what the handler keeps for it (the store's waits are forgotten apart). */
    default void forget(Connection client) {
    }
}
