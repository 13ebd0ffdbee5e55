package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;

/**
 * Serves the Java master's protocol extension ({@link JavaMasterExtension}): IDENTIFY, prefix watches and
 * connection-owned ephemeral keys. Created once per server, next to its {@link StoreState}, whose changes it
 * follows (see {@link StoreStateListener}); it outlives event-loop restarts as the store does.
 */
final class ExtensionCommands {

    private final PrefixWatches watches;
    private final EphemeralKeys ephemeralKeys;

    ExtensionCommands(StoreState store) {
        this.watches = new PrefixWatches(store);
        this.ephemeralKeys = new EphemeralKeys(store);
        // Watches first: a closing watcher is gone before its own ephemeral keys are deleted.
        store.addChangeListener(watches);
        store.addChangeListener(ephemeralKeys);
    }

    /** @return connections watching a prefix now */
    int watchCount() {
        return watches.count();
    }

    /** @return keys owned by a connection now */
    int ephemeralKeyCount() {
        return ephemeralKeys.count();
    }

    /** @throws ProtocolViolation if the connection is a watch stream, which takes no other request */
    void requireNotWatching(Connection client, Request request) throws ProtocolViolation {
        if (watches.isWatching(client)) {
            throw new ProtocolViolation(request.command() + " on a watch connection, which takes no other request "
                    + "after WATCH_PREFIX");
        }
    }

    /** Serves one extension request; the caller checked {@link #requireNotWatching} first. */
    void handle(Connection client, Request request) throws ProtocolViolation {
        switch (request.command()) {
            case EXT_IDENTIFY -> client.send(Replies.u32(JavaMasterExtension.MAGIC),
                    Replies.u32(JavaMasterExtension.VERSION));
            case EXT_WATCH_PREFIX -> watches.subscribe(client, request.key());
            case EXT_SET_EPHEMERAL -> {
                ephemeralKeys.set(client, request.key(), request.value(0));
                client.send(Replies.u8(JavaMasterExtension.STORED));
            }
            default -> throw new IllegalArgumentException(request.command() + " is not an extension command");
        }
    }
}
