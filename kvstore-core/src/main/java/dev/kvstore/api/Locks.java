package dev.kvstore.api;

import dev.kvstore.internal.KeyLayout;

/**
 * Named locks, and leader elections made of them: etcd (locks under the store's lease) and TCPStore (a
 * compare-and-set lock, {@code dev.kvstore.recipes.CompareAndSetLock}, which works on any store). Obtain it with
 * {@code store.capability(Locks.class)}.
 */
public non-sealed interface Locks extends KVCapability {

    /**
     * The lock of this name in the store's namespace and component, shared with every other process using them. The
     * same capability returns the same lock for the same name. Its keys live under {@code locks/{name}/}.
     *
     * @param name the lock's name, non-empty
     */
    KVLock lock(String name);

    /**
     * Starts campaigning for the leadership of a name among the processes of the store's namespace and component;
     * see {@link KVElection}. Its lock is {@code lock("election/" + name)}, the election
     * {@link KVElection#overLock}.
     */
    default KVElection elect(String name, KVElection.Listener listener) {
        KeyLayout.requireKey(name);
        return KVElection.overLock(name, lock("election/" + name), listener);
    }
}
