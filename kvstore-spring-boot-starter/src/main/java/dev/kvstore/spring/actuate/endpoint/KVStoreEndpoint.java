package dev.kvstore.spring.actuate.endpoint;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdClusterStatus;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.etcd.EtcdKeyPage;
import dev.kvstore.recipes.RecipeGauges;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.ClientDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.EndedWaitDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.EtcdDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.HeldLockDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.KeyDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.MasterDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.MemberDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.MissingKeyDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.ProcessWaitDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.RecipesDescriptor;
import dev.kvstore.spring.actuate.endpoint.KVStoreDescriptor.WaitDescriptor;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.ServerSnapshot;
import dev.kvstore.tcp.server.SnapshotQuery;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code kvstore} actuator endpoint ({@code GET /actuator/kvstore}): what the store of this process can tell about
 * the job. For an embedded TCPStore master, from the moment it listens (while the job's rendezvous still waits): its
 * clients and their pending waits, the keys clients wait for that nobody has set, the last waits that ended and how,
 * the {@code init/} registrations against the world size, a page of the keys and the bytes stored. For etcd:
 * the cluster's status, its members and a page of the keys under the namespace, and this process's watches. On every
 * backend: this process's waits in progress through the store bean, and the locks and leases it holds.
 *
 * <p>The store is looked up on every request (it may be started after this endpoint is created). Every backend call
 * is bounded by {@code timeout}; a failure is reported in the answer's {@code error}, never as an exception. Values
 * are shown only as {@code show-values} allows, like Boot's {@code env} endpoint. The answer's size is bounded: at
 * most {@value #MAX_KEYS} keys per page, 1000 clients and missing keys, {@value #VALUE_BYTES} bytes per value.
 */
@Endpoint(id = "kvstore")
public class KVStoreEndpoint {

    /** Keys per page when the request names no {@code limit}. */
    public static final int DEFAULT_KEYS = 100;
    /** Most keys per page, whatever the request asks. */
    public static final int MAX_KEYS = 1000;
    /** Leading bytes of a value shown, when values are shown. */
    public static final int VALUE_BYTES = 256;
    private static final int MAX_CLIENTS = 1000;
    /** {@link KVStoreDescriptor#startup()} of a store that is ready. */
    private static final String READY = "ready";

    private final Supplier<@Nullable KVStore> store;
    private final @Nullable Integer worldSize;
    private final Show showValues;
    private final Collection<String> roles;
    private final Duration timeout;

    /**
     * @param store supplies the store at request time ({@code null} if there is none yet)
     * @param worldSize the job's world size, if known, for the registration progress
     * @param showValues whether values are shown
     * @param roles the roles that may see values when {@code showValues} is {@link Show#WHEN_AUTHORIZED}
     * @param timeout bound of each backend call
     */
    public KVStoreEndpoint(Supplier<@Nullable KVStore> store, @Nullable Integer worldSize, Show showValues,
            Collection<String> roles, Duration timeout) {
        this.store = Objects.requireNonNull(store, "store");
        this.worldSize = worldSize;
        this.showValues = Objects.requireNonNull(showValues, "showValues");
        this.roles = List.copyOf(roles);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * @param securityContext who asks (decides whether values are shown when {@code when-authorized})
     * @param limit most keys in the page (default {@value #DEFAULT_KEYS}, at most {@value #MAX_KEYS})
     * @param after the page starts after this key (a previous answer's {@code nextKeysAfter})
     * @return the description of the store
     */
    @ReadOperation
    public KVStoreDescriptor kvstore(SecurityContext securityContext, @Nullable Integer limit,
            @Nullable String after) {
        int keys = Math.max(0, Math.min(limit == null ? DEFAULT_KEYS : limit, MAX_KEYS));
        boolean shown = this.showValues.isShown(securityContext, this.roles);
        return describe(keys, after, shown);
    }

    KVStoreDescriptor describe(int keys, @Nullable String after, boolean valuesShown) {
        String now = Instant.now().toString();
        KVStore current = this.store.get();
        if (current == null) {
            return new KVStoreDescriptor("none", "", "", "", now, valuesShown, "no KVStore bean is available (yet)",
                    null, null, null, List.of(), recipes());
        }
        String endpoint = (current instanceof ManagedKVStore managed) ? managed.endpoint() : current.toString();
        String backend = (current instanceof ManagedKVStore managed) ? managed.backend()
                : (current instanceof TcpKVStore) ? "tcp"
                : (current instanceof EtcdKVStore) ? "etcd" : current.getClass().getName();
        String startup = READY;
        KVStore backendStore = current;
        String error = null;
        if (current instanceof ManagedKVStore managed) {
            // The store starts in the context's lifecycle: describe what it already has without waiting for it (a
            // master listens, and has clients and registrations, long before the rendezvous completes).
            startup = managed.startup().isReady() ? READY : managed.startup().progress();
            backendStore = managed.startup().isReady() ? managed.delegate()
                    : managed.startup().backend().orElse(null);
            if (managed.startup().hasFailed()) {
                error = "the KVStore failed to start: " + startup;
            }
        }
        MasterDescriptor master = null;
        EtcdDescriptor etcd = null;
        try {
            if (backendStore instanceof TcpKVStore tcp) {
                Optional<TcpStoreServer> server = tcp.embeddedServer();
                if (server.isPresent()) {
                    master = master(server.get(), keys, after, valuesShown);
                }
            }
            else if (backendStore instanceof EtcdKVStore etcdStore) {
                etcd = etcd(etcdStore, keys, after, valuesShown);
            }
        }
        catch (RuntimeException ex) {
            error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
        return new KVStoreDescriptor(backend, current.namespace(), current.component(), endpoint, now, valuesShown,
                startup, master, etcd, error, processWaits(current), recipes());
    }

    /** This process's waits through the store bean: only a managed store tracks them. */
    private static List<ProcessWaitDescriptor> processWaits(KVStore store) {
        if (!(store instanceof ManagedKVStore managed)) {
            return List.of();
        }
        return managed.pendingWaits().list(MAX_CLIENTS).stream()
                .map((wait) -> new ProcessWaitDescriptor(wait.operation().tagValue(), wait.component(), wait.key(),
                        wait.thread(), wait.since().toString(), wait.age().toMillis()))
                .toList();
    }

    private static RecipesDescriptor recipes() {
        Instant now = Instant.now();
        List<HeldLockDescriptor> locks = RecipeGauges.locks(MAX_CLIENTS).stream()
                .map((lock) -> new HeldLockDescriptor(lock.name(), lock.thread(), lock.since().toString(),
                        Duration.between(lock.since(), now).toMillis(), lock.fencingToken()))
                .toList();
        return new RecipesDescriptor(RecipeGauges.heldLocks(), RecipeGauges.liveLeases(), locks);
    }

    private MasterDescriptor master(TcpStoreServer server, int keys, @Nullable String after, boolean valuesShown) {
        SnapshotQuery query = new SnapshotQuery(keys, after, MAX_CLIENTS, valuesShown ? VALUE_BYTES : 0);
        ServerSnapshot snapshot = server.snapshot(query, this.timeout);
        List<ClientDescriptor> clients = snapshot.clients().stream()
                .map((client) -> new ClientDescriptor(client.remoteAddress(),
                        (client.protocol() != null) ? client.protocol().name() : null,
                        client.connectedSince().toString(), client.requestsServed(),
                        client.waits().stream()
                                .map((wait) -> new WaitDescriptor(wait.keys(), wait.since().toString(),
                                        wait.age().toMillis()))
                                .toList()))
                .toList();
        List<MissingKeyDescriptor> missing = snapshot.missing().stream()
                .map((key) -> new MissingKeyDescriptor(key.name(), key.waiters(), key.since().toString(),
                        key.longestWait().toMillis(), key.waitingClients()))
                .toList();
        List<KeyDescriptor> page = snapshot.keys().stream()
                .map((key) -> new KeyDescriptor(key.name(), key.size(), key.value()))
                .toList();
        List<EndedWaitDescriptor> ended = snapshot.ended().stream()
                .map((wait) -> new EndedWaitDescriptor(wait.keys(), wait.client(), wait.since().toString(),
                        wait.ended().toString(), wait.waited().toMillis(),
                        wait.outcome().name().toLowerCase(Locale.ROOT)))
                .toList();
        return new MasterDescriptor(this.worldSize, snapshot.initRegistrations(), snapshot.clientCount(), clients,
                snapshot.pendingWaitCount(), missing, snapshot.keyCount(), page, snapshot.nextKeysAfter(),
                snapshot.storedBytes(), snapshot.maxStoreBytes(), ended);
    }

    private EtcdDescriptor etcd(EtcdKVStore store, int keys, @Nullable String after, boolean valuesShown) {
        EtcdClusterStatus status = store.clusterStatus(this.timeout);
        List<KeyDescriptor> page = List.of();
        String next = null;
        if (keys > 0) {
            EtcdKeyPage keyPage = store.namespaceKeys(after, keys, valuesShown ? VALUE_BYTES : 0);
            page = keyPage.keys().stream().map((key) -> new KeyDescriptor(key.name(), key.size(), key.value()))
                    .toList();
            next = keyPage.nextAfter();
        }
        List<MemberDescriptor> members = store.members(this.timeout).stream()
                .limit(MAX_CLIENTS)
                .map((member) -> new MemberDescriptor(Long.toHexString(member.id()), member.name(), member.peerUrls(),
                        member.clientUrls(), member.learner(), member.id() == status.leaderId()))
                .toList();
        String namespacePrefix = store.namespace() + "/";
        List<String> watches = store.watchedPrefixes().stream()
                .limit(MAX_CLIENTS)
                .map((prefix) -> prefix.startsWith(namespacePrefix) ? prefix.substring(namespacePrefix.length())
                        : prefix)
                .toList();
        return new EtcdDescriptor(store.endpoints(), status.endpoint(), Long.toHexString(status.memberId()),
                Long.toHexString(status.leaderId()), status.version(), status.revision(), page, next, members,
                watches);
    }

}
