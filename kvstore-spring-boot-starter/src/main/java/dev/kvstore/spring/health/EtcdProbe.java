package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import java.util.LinkedHashMap;
import java.util.Map;

/** Probes an etcd store with its bounded cluster status call; only loaded when jetcd is on the classpath. */
final class EtcdProbe {

    private EtcdProbe() {
    }

    static KVStoreProbe forStore(KVStore backend) {
        if (!(backend instanceof EtcdKVStore etcd)) {
            return null;
        }
        return (timeout) -> {
            EtcdKVStore.ClusterStatus status = etcd.clusterStatus(timeout);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("leader", status.leader());
            details.put("version", status.version());
            details.put("answeredBy", status.endpoint());
            return details;
        };
    }

}
