package dev.kvstore.etcd;

/**
 * What one etcd member said about the cluster, for health checks.
 *
 * @param endpoint the endpoint that answered
 * @param memberId the id of the member that answered
 * @param leaderId the id of the cluster's leader as that member knows it; 0 if it knows none
 * @param version the etcd server version, e.g. {@code "3.4.23"}
 * @param revision the cluster's current revision
 */
public record EtcdClusterStatus(String endpoint, long memberId, long leaderId, String version, long revision) {

    /** @return whether the answering member knows a leader (without one the cluster cannot serve writes) */
    public boolean hasLeader() {
        return leaderId != 0;
    }
}
