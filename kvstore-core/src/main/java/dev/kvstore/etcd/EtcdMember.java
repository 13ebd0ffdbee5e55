package dev.kvstore.etcd;

import dev.kvstore.etcd.access.EtcdAccess;
import io.etcd.jetcd.Cluster;
import java.time.Duration;
import java.util.List;

/**
 * A member of the etcd cluster, as a member-list call reports it: for diagnostics (the starter's {@code kvstore}
 * endpoint).
 *
 * @param id the member's id
 * @param name the member's name ({@code --name}); empty while a newly added member has not started
 * @param peerUrls where the other members reach it
 * @param clientUrls where clients reach it; empty while it has not started
 * @param learner whether it is a learner (a non-voting member catching up)
 */
public record EtcdMember(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {

    public EtcdMember {
        peerUrls = List.copyOf(peerUrls);
        clientUrls = List.copyOf(clientUrls);
    }

    /** @return the members a member-list call reports, within the timeout */
    static List<EtcdMember> list(Cluster cluster, EtcdAccess access, Duration timeout) {
        return access.await("member list", () -> cluster.listMember(), timeout).getMembers().stream()
                .map(member -> new EtcdMember(member.getId(), member.getName(),
                        member.getPeerURIs().stream().map(Object::toString).toList(),
                        member.getClientURIs().stream().map(Object::toString).toList(), member.isLearner()))
                .toList();
    }
}
