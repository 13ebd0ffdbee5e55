package dev.kvstore.etcd;

import dev.kvstore.etcd.access.EtcdAccess;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

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

    /**
     * Asks every endpoint for its status at once; the first that answers within the timeout wins.
     *
     * @throws dev.kvstore.api.KVStoreTimeoutException if no endpoint answered within the timeout
     * @throws dev.kvstore.api.KVStoreConnectionException if every endpoint failed
     */
    static EtcdClusterStatus firstAnswer(Maintenance maintenance, EtcdAccess access, Duration timeout) {
        CompletableFuture<EtcdClusterStatus> first = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        List<CompletableFuture<StatusResponse>> requests = new ArrayList<>();
        for (String endpoint : access.endpoints()) {
            CompletableFuture<StatusResponse> request = maintenance.statusMember(endpoint);
            requests.add(request);
            request.whenComplete((status, error) -> {
                if (error == null) {
                    first.complete(new EtcdClusterStatus(endpoint, status.getHeader().getMemberId(),
                            status.getLeader(), status.getVersion(), status.getHeader().getRevision()));
                } else if (failures.incrementAndGet() == access.endpoints().size()) {
                    first.completeExceptionally(error);
                }
            });
        }
        try {
            return access.join("status request", first, timeout);
        } finally {
            requests.forEach(request -> request.cancel(true));
        }
    }
}
