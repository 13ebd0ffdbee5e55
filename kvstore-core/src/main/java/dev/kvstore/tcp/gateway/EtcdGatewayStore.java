package dev.kvstore.tcp.gateway;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.server.ServerStore;
import java.util.Objects;

/**
 * Keys of a {@link dev.kvstore.tcp.server.TcpStoreServer} in etcd: the server becomes a stateless gateway, and
 * several gateways on one etcd prefix serve one job, any of which can die without losing a key.
 *
 * <pre>{@code
 * TcpStoreServer gateway = TcpStoreServer.builder().host("0.0.0.0").port(29500)
 *         .store(EtcdGatewayStore.of(EtcdKVStore.builder().endpoints("http://etcd-1:2379"),
 *                 "kvstore-tcpstore/job-42/"))
 *         .build().start();
 * }</pre>
 */
public final class EtcdGatewayStore {

    /** The etcd prefix of {@link #of(EtcdKVStore.Builder)}: {@value}. */
    public static final String DEFAULT_PREFIX = "kvstore-tcpstore/";

    private EtcdGatewayStore() {
    }

    /** @return keys in etcd under {@value #DEFAULT_PREFIX} */
    public static ServerStore of(EtcdKVStore.Builder connection) {
        return of(connection, DEFAULT_PREFIX);
    }

    /**
     * Keys in etcd: the server connects with {@code connection} when it starts (its endpoints, credentials, TLS, client
     * customizers and request timeout; its namespace is not used) and closes that connection when it closes. Every
     * gateway of one job must use the same prefix, and no other job the same.
     *
     * @param prefix the etcd key prefix of this job's TCPStore keys, e.g. {@code "kvstore-tcpstore/job-42/"}
     */
    public static ServerStore of(EtcdKVStore.Builder connection, String prefix) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("the etcd prefix of a TCPStore gateway must not be empty");
        }
        return ServerStore.of("etcd prefix '" + prefix + "'",
                listener -> EtcdKeyStorage.open(connection, prefix, listener));
    }
}
