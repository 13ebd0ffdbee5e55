package dev.kvstore.tcp.server;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The Java master's ephemeral keys ({@link dev.kvstore.tcp.protocol.wire.JavaMasterExtension#SET_EPHEMERAL}): a key
 * stored by a connection that owns it, deleted when that connection closes (its process exited, was killed, or its
 * store closed), as any delete: waiters, legacy watchers and prefix watches see it. Any other write or delete of the
 * key unties it, so a key set again with SET is permanent. The master cannot tell a dead process from a broken
 * connection: a connection lost for any reason deletes its keys.
 */
final class EphemeralKeys {

    private final MemoryServerStore store;
    private final Map<String, Connection> ownerByKey = new HashMap<>();
    private final Map<Connection, Set<String>> keysByOwner = new IdentityHashMap<>();
    /** True while this class itself stores a key, whose write must not untie it. */
    private boolean storing;
    private volatile int count;

    EphemeralKeys(MemoryServerStore store) {
        this.store = store;
    }

    /** @return keys owned by a connection now */
    int count() {
        return count;
    }

    /** Stores the key as SET does and ties it to the connection (taking it from a previous owner). */
    void set(Connection client, String key, byte[] value) throws ProtocolViolation {
        storing = true;
        try {
            store.store(key, value);
        } finally {
            storing = false;
        }
        Connection previous = ownerByKey.put(key, client);
        if (previous != null && previous != client) {
            removeOwned(previous, key);
        }
        keysByOwner.computeIfAbsent(client, c -> new LinkedHashSet<>()).add(key);
        count = ownerByKey.size();
    }

    /** The key was written: unless by {@link #set}, it is no longer owned. */
    void written(String key, byte[] value) {
        if (!storing) {
            untie(key);
        }
    }

    /** The key was deleted: it is no longer owned. */
    void deleted(String key) {
        untie(key);
    }

    /** The connection closed: its keys are deleted. */
    void forgotten(Connection client) {
        Set<String> owned = keysByOwner.remove(client);
        if (owned == null) {
            return;
        }
        for (String key : owned) {
            ownerByKey.remove(key);
        }
        count = ownerByKey.size();
        for (String key : owned) {
            store.delete(key);
        }
    }

    private void untie(String key) {
        if (ownerByKey.isEmpty()) {
            return;
        }
        Connection owner = ownerByKey.remove(key);
        if (owner != null) {
            removeOwned(owner, key);
            count = ownerByKey.size();
        }
    }

    private void removeOwned(Connection owner, String key) {
        Set<String> owned = keysByOwner.get(owner);
        if (owned != null) {
            owned.remove(key);
            if (owned.isEmpty()) {
                keysByOwner.remove(owner);
            }
        }
    }
}
