package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.etcd.EtcdClusterStatus;
import dev.kvstore.etcd.EtcdKVStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Probes an etcd store: first a read through the store's own client (the connection its puts and lease grants use,
 * which can still be reconnecting after an outage while a new connection already works), then the cluster status for
 * the leader and version. Only loaded when jetcd is on the classpath.
 */
final class EtcdProbe {

    private EtcdProbe() {
    }

    static @Nullable KVStoreProbe forStore(KVStore backend) {
        if (!(backend instanceof EtcdKVStore etcd)) {
            return null;
        }
        return (timeout) -> {
            etcd.exists(KVStoreProbe.PROBE_KEY);
            EtcdClusterStatus status = etcd.clusterStatus(timeout);
            if (!status.hasLeader()) {
                throw new KVStoreException("etcd member " + Long.toHexString(status.memberId()) + " at "
                        + status.endpoint() + " knows no leader: the cluster cannot serve writes");
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("leader", Long.toHexString(status.leaderId()));
            details.put("version", status.version());
            details.put("answeredBy", status.endpoint());
            return details;
        };
    }

}
