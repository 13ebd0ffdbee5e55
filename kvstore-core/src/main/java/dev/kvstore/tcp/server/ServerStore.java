package dev.kvstore.tcp.server;

import dev.kvstore.etcd.EtcdKVStore;
import java.util.Objects;

/**
 * Where a {@link TcpStoreServer} keeps its keys: {@linkplain #memory() in memory} (the default: fastest, gone with the
 * process) or {@linkplain #etcd in etcd}, which makes the server a stateless gateway: several gateways on one etcd
 * prefix serve one job, and any of them can die without losing a key.
 */
public final class ServerStore {

    /** The etcd prefix of {@link #etcd(EtcdKVStore.Builder)}: {@value}. */
    public static final String DEFAULT_ETCD_PREFIX = "kvstore-tcpstore/";

    private static final ServerStore MEMORY = new ServerStore(null, null);

    private final EtcdKVStore.Builder etcd;
    private final String etcdPrefix;

    private ServerStore(EtcdKVStore.Builder etcd, String etcdPrefix) {
        this.etcd = etcd;
        this.etcdPrefix = etcdPrefix;
    }

    /** @return keys in the server's memory (the default) */
    public static ServerStore memory() {
        return MEMORY;
    }

    /** @return keys in etcd under {@value #DEFAULT_ETCD_PREFIX} */
    public static ServerStore etcd(EtcdKVStore.Builder connection) {
        return etcd(connection, DEFAULT_ETCD_PREFIX);
    }

    /**
     * Keys in etcd: the server connects with {@code connection} when it starts (its endpoints, credentials, TLS and
     * request timeout; its namespace is not used) and closes that connection when it closes. Every gateway of one
     * job must use the same prefix, and no other job the same.
     *
     * @param prefix the etcd key prefix of this job's TCPStore keys, e.g. {@code "kvstore-tcpstore/job-42/"}
     */
    public static ServerStore etcd(EtcdKVStore.Builder connection, String prefix) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("the etcd prefix of a TCPStore gateway must not be empty");
        }
        return new ServerStore(connection, prefix);
    }

    /** @return whether the keys live in etcd */
    public boolean isEtcd() {
        return etcd != null;
    }

    /** @return the etcd prefix, or {@code null} in memory */
    public String etcdPrefix() {
        return etcdPrefix;
    }

    EtcdKVStore.Builder etcdConnection() {
        return etcd;
    }

    @Override
    public String toString() {
        return etcd == null ? "memory" : "etcd prefix '" + etcdPrefix + "'";
    }
}
