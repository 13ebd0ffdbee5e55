package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;

/**
 * Serves the Java master's protocol extension ({@link JavaMasterExtension}): IDENTIFY, prefix watches and
 * connection-owned ephemeral keys. Served by the store in memory only, whose changes it follows through
 * {@link Wakeups}: a store in etcd is shared by several servers, and a key cannot be owned by a connection to one of
 * them. Created once per server; it outlives event-loop restarts as the store does.
 */
final class ExtensionCommands {

    private final PrefixWatches watches;
    private final EphemeralKeys ephemeralKeys;

    ExtensionCommands(MemoryServerStore store) {
        this.watches = new PrefixWatches(store);
        this.ephemeralKeys = new EphemeralKeys(store);
    }

    /** The key now holds {@code value}: the watches see it, and it is no longer owned unless set as ephemeral. */
    void written(String key, byte[] value) {
        watches.written(key, value);
        ephemeralKeys.written(key, value);
    }

    /** The key was deleted. */
    void deleted(String key) {
        watches.deleted(key);
        ephemeralKeys.deleted(key);
    }

    /** The connection closed: watches first, so that a closing watcher is gone before its own keys are deleted. */
    void forgotten(Connection client) {
        watches.forgotten(client);
        ephemeralKeys.forgotten(client);
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
