package dev.kvstore.api;

import org.jspecify.annotations.Nullable;

/**
 * Subscriptions to the changes of a component's keys: etcd, and TCPStore with the Java master (through its protocol
 * extension; PyTorch masters cannot watch a prefix). Obtain it with {@code store.capability(KeyWatches.class)}.
 */
public non-sealed interface KeyWatches extends KVCapability {

    /**
     * Subscribes to the changes of the keys of the component under {@code prefix}; see {@link KVWatch}.
     *
     * @param prefix the prefix relative to the component; {@code ""} or {@code null} for all keys
     */
    KVWatch watch(@Nullable String prefix, KVWatch.Listener listener);
}
