package dev.kvstore.api;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Keys that disappear when their owner goes away: etcd (under the store's lease) and TCPStore with the Java master
 * (owned by a connection of the store); a PyTorch master cannot tell that a process died. Obtain it with
 * {@code store.capability(EphemeralKeys.class)}.
 *
 * <p>On etcd a key is attached to the store's lease (TTL {@code leaseTtl}, kept alive by the store): it is deleted
 * when the store closes, within the TTL after the process dies, or when the lease is lost, which
 * {@link #onLeaseLoss} reports; the owner then writes its ephemeral keys again (under a new lease). On the Java
 * TCPStore master a key is owned by a connection of the store: it is deleted when the store closes, when the process
 * dies, or when that connection is lost (which {@link #onLeaseLoss} reports); there is no TTL. Setting the key again
 * with {@link KVStore#set} makes it permanent.
 */
public non-sealed interface EphemeralKeys extends KVCapability {

    /** Stores a UTF-8 string as an ephemeral key; see {@link #setEphemeralBytes(String, byte[])}. */
    default void setEphemeral(String key, String value) {
        setEphemeralBytes(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Stores raw bytes as an ephemeral key of the component, replacing any previous value. */
    void setEphemeralBytes(String key, byte[] value);

    /**
     * Registers a listener told when the store's lease is lost (etcd expired it, or no keep-alive got through for a
     * whole TTL): its ephemeral keys are gone and its locks no longer held. Called off the I/O threads, with a message
     * naming the lease and why; the next ephemeral key or lock grants a new lease. On the Java TCPStore master: told
     * when the connection owning the ephemeral keys is lost (its keys are gone; the next one opens a new connection).
     * The listener hears about the whole store, whichever component view registered it.
     */
    void onLeaseLoss(Consumer<String> listener);
}
