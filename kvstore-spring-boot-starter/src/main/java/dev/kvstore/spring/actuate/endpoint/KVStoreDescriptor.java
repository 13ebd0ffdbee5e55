package dev.kvstore.spring.actuate.endpoint;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the {@code kvstore} actuator endpoint answers: the store's backend, namespace and component, and what the
 * backend can tell about the job. Times are ISO-8601 instants, ages are milliseconds.
 *
 * @param backend {@code tcp}, {@code etcd}, or the store's class name for other stores
 * @param namespace the store's namespace
 * @param component the store's component
 * @param endpoint where the store is connected, for people
 * @param takenAt when this description was made
 * @param valuesShown whether key values are included ({@code management.endpoint.kvstore.show-values})
 * @param startup what the store's start does: {@code ready} once the store is ready, else e.g. {@code waiting for 3
 *     processes to register (kvstore.tcp.world-size)}, or why it failed
 * @param master the embedded TCPStore master's state, from the moment it listens (before the store is ready);
 *     {@code null} unless this process is one
 * @param etcd the etcd cluster's state; {@code null} unless the backend is etcd and the store is ready
 * @param error why the backend could not be described (e.g. the call timed out) or why the store failed to start;
 *     {@code null} if neither
 * @param waits this process's waits and barriers in progress through the store bean (at most 1000), longest first,
 *     on every backend
 * @param recipes what this process holds through the recipes (locks, leases), over all its stores
 */
public record KVStoreDescriptor(String backend, String namespace, String component, String endpoint, String takenAt,
        boolean valuesShown, String startup, @Nullable MasterDescriptor master, @Nullable EtcdDescriptor etcd,
        @Nullable String error, List<ProcessWaitDescriptor> waits, RecipesDescriptor recipes) {

    /**
     * A wait or barrier of this process in progress.
     *
     * @param operation the operation, e.g. {@code waitForKey} or {@code barrier}
     * @param component the component of the store or view that waits
     * @param key the key, key pattern or barrier name waited for
     * @param thread the waiting thread's name
     * @param since when it started
     * @param ageMillis how long it has waited
     */
    public record ProcessWaitDescriptor(String operation, String component, String key, String thread, String since,
            long ageMillis) {
    }

    /**
     * What this process holds through the recipes.
     *
     * @param heldLocks locks held (a re-entrant lock counts once)
     * @param liveLeases etcd leases kept alive
     * @param locks the locks held (at most 1000), longest held first
     */
    public record RecipesDescriptor(int heldLocks, int liveLeases, List<HeldLockDescriptor> locks) {

        /** Counts without the list of locks. */
        public RecipesDescriptor(int heldLocks, int liveLeases) {
            this(heldLocks, liveLeases, List.of());
        }
    }

    /**
     * A lock this process holds.
     *
     * @param name the lock's name, relative to the component of the store it was asked of
     * @param thread the holding thread's name
     * @param since when it was acquired
     * @param heldMillis how long it has been held
     * @param fencingToken the hold's fencing token
     */
    public record HeldLockDescriptor(String name, String thread, String since, long heldMillis, long fencingToken) {
    }

    /**
     * An embedded TCPStore master.
     *
     * @param worldSize the job's world size if configured ({@code kvstore.tcp.world-size} or {@code WORLD_SIZE})
     * @param initRegistrations TCPStore clients that registered under PyTorch's {@code init/} key
     * @param clientCount clients connected
     * @param clients the clients (at most 1000), longest connected first
     * @param pendingWaitCount WAITs not answered yet
     * @param missing keys waited for and not set, longest waited for first
     * @param keyCount keys stored
     * @param keys a page of the keys in byte order
     * @param nextKeysAfter pass as {@code after} for the next page; {@code null} on the last page
     * @param storedBytes bytes of keys and values stored
     * @param maxStoreBytes the limit ({@code kvstore.tcp.server.max-store-size})
     * @param ended the last waits that ended after being held (at most 20), latest first, with how each ended
     */
    public record MasterDescriptor(@Nullable Integer worldSize, long initRegistrations, int clientCount,
            List<ClientDescriptor> clients, int pendingWaitCount, List<MissingKeyDescriptor> missing, long keyCount,
            List<KeyDescriptor> keys, @Nullable String nextKeysAfter, long storedBytes, long maxStoreBytes,
            List<EndedWaitDescriptor> ended) {
    }

    /**
     * A wait the master held and that has ended.
     *
     * @param keys the keys that were missing when it arrived
     * @param client the waiting client's address
     * @param since when it arrived
     * @param ended when it ended
     * @param waitedMillis how long it was held
     * @param outcome {@code resolved} (its keys were set), {@code cancelled} (the client withdrew it, as PyTorch 2.1+
     *     and the Java client do when their timeout passes) or {@code disconnected} (the client's connection closed
     *     first)
     */
    public record EndedWaitDescriptor(List<String> keys, String client, String since, String ended, long waitedMillis,
            String outcome) {
    }

    /**
     * A client connected to the master.
     *
     * @param remoteAddress its address and port
     * @param protocol the protocol generation it speaks; {@code null} before its first request
     * @param connectedSince when it connected
     * @param requestsServed requests served to it
     * @param waits its pending WAITs
     */
    public record ClientDescriptor(String remoteAddress, @Nullable String protocol, String connectedSince,
            long requestsServed, List<WaitDescriptor> waits) {
    }

    /**
     * A pending WAIT.
     *
     * @param keys the keys it still waits for
     * @param since when it started
     * @param ageMillis how long it has waited
     */
    public record WaitDescriptor(List<String> keys, String since, long ageMillis) {
    }

    /**
     * A key clients wait for and nobody has set.
     *
     * @param name the key
     * @param waiters how many WAITs wait for it
     * @param since when the longest of them started
     * @param longestWaitMillis how long that one has waited
     * @param waitingClients the waiting clients' addresses
     */
    public record MissingKeyDescriptor(String name, int waiters, String since, long longestWaitMillis,
            List<String> waitingClients) {
    }

    /**
     * A stored key.
     *
     * @param name the key (on etcd relative to the namespace)
     * @param size the value's length in bytes
     * @param value the value's leading bytes, only when values are shown
     */
    public record KeyDescriptor(String name, int size, @Nullable String value) {
    }

    /**
     * An etcd cluster.
     *
     * @param members the configured endpoints
     * @param answeredBy the endpoint that answered the status request
     * @param memberId the id of the member that answered
     * @param leaderId the leader's id as that member knows it; 0 if none
     * @param version the etcd version
     * @param revision the cluster's revision
     * @param keys a page of the keys under the namespace, in byte order, relative to the namespace
     * @param nextKeysAfter pass as {@code after} for the next page; {@code null} on the last page
     * @param clusterMembers the cluster's members from a member-list call
     * @param watches the key prefixes this process's store watches ({@code KVStore.watch}), relative to the
     *     namespace
     */
    public record EtcdDescriptor(List<String> members, String answeredBy, String memberId, String leaderId,
            String version, long revision, List<KeyDescriptor> keys, @Nullable String nextKeysAfter,
            List<MemberDescriptor> clusterMembers, List<String> watches) {
    }

    /**
     * A member of the etcd cluster.
     *
     * @param id its id (hexadecimal, as etcdctl prints it)
     * @param name its name; empty while a new member has not started
     * @param peerUrls where the other members reach it
     * @param clientUrls where clients reach it
     * @param learner whether it is a non-voting learner
     * @param leader whether it is the leader, as the member that answered the status request knows
     */
    public record MemberDescriptor(String id, String name, List<String> peerUrls, List<String> clientUrls,
            boolean learner, boolean leader) {
    }
}
