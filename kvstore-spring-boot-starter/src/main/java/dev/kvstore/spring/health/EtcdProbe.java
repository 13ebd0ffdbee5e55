package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.etcd.EtcdClusterStatus;
import dev.kvstore.etcd.EtcdKVStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Probes an etcd store with its bounded cluster status call; only loaded when jetcd is on the classpath. */
final class EtcdProbe {

    private EtcdProbe() {
    }

    static @Nullable KVStoreProbe forStore(KVStore backend) {
        if (!(backend instanceof EtcdKVStore etcd)) {
            return null;
        }
        return (timeout) -> {
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
