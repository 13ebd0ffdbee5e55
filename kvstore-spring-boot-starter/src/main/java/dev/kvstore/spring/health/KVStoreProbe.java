package dev.kvstore.spring.health;

import dev.kvstore.api.KVStore;
import dev.kvstore.tcp.TcpKVStore;
import java.time.Duration;
import java.util.Map;
import org.springframework.util.ClassUtils;

/** One round trip to a store's server, returning details worth showing (none for a generic store). */
interface KVStoreProbe {

    /** The key a generic probe checks; it is only read, never written. */
    String PROBE_KEY = "kvstore-health-probe";

    /**
     * @param timeout the bound of the round trip where the backend can bound it itself
     * @return details of the server, possibly empty
     */
    Map<String, Object> roundTrip(Duration timeout);

    /**
     * @return the etcd probe (leader, version) for an etcd store when jetcd is present; for a TCPStore a connection
     *     attempt to the master (so that a master that is gone says "connection refused by host:port") then an
     *     existence check, preceded, where this store hosts the embedded master, by its serving state; else an
     *     existence check
     */
    static KVStoreProbe forStore(KVStore backend) {
        if (ClassUtils.isPresent("io.etcd.jetcd.Client", KVStoreProbe.class.getClassLoader())) {
            KVStoreProbe etcd = EtcdProbe.forStore(backend);
            if (etcd != null) {
                return etcd;
            }
        }
        KVStoreProbe exists = (backend instanceof TcpKVStore tcp) ? TcpProbe.forStore(tcp) : (timeout) -> {
            backend.exists(PROBE_KEY);
            return Map.of();
        };
        if (backend instanceof TcpKVStore tcp && tcp.embeddedServer().isPresent()) {
            return new EmbeddedMasterProbe(tcp.embeddedServer().get(), exists);
        }
        return exists;
    }

}
