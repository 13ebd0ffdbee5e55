package dev.kvstore.etcd;

import dev.kvstore.api.KVWatch;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.KV;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/** The open {@link EtcdPrefixWatch}es of one store: opened here, forgotten when closed, all closed with the store. */
final class EtcdWatches {

    private final KV kv;
    private final EtcdAccess access;
    private final Set<EtcdPrefixWatch> open = ConcurrentHashMap.newKeySet();

    EtcdWatches(KV kv, EtcdAccess access) {
        this.kv = kv;
        this.access = access;
    }

    /** Starts a watch of the prefix of the layout's component. */
    KVWatch open(KeyLayout keys, String prefix, KVWatch.Listener listener, int capacity, LongConsumer beforeWatch) {
        EtcdPrefixWatch[] subscription = new EtcdPrefixWatch[1];
        subscription[0] = new EtcdPrefixWatch(kv, access, keys, prefix, listener, capacity, beforeWatch,
                () -> open.remove(subscription[0]));
        open.add(subscription[0]);
        return subscription[0].start();
    }

    /** @return the full key prefixes of the open watches, in natural order */
    List<String> fullPrefixes() {
        return open.stream().map(EtcdPrefixWatch::fullPrefix).sorted(NaturalOrder.INSTANCE).toList();
    }

    void closeAll() {
        List.copyOf(open).forEach(EtcdPrefixWatch::close);
    }
}
