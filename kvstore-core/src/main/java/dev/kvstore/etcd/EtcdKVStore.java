package dev.kvstore.etcd;

import dev.kvstore.api.AbstractKVStore;
import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyListing;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.Locks;
import dev.kvstore.backend.ThreadReentrantLock;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.internal.Checks;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link dev.kvstore.api.KVStore} on etcd v3 through jetcd.
 *
 * <p>Keys are stored as the UTF-8 bytes of {@code {namespace}/{component}/{key}}, values as raw bytes, so a Python
 * process using python-etcd3 (or the {@code etha.kvstore} module) sees the same keys and values.
 *
 * <p>Every etcd call is bounded by {@link Builder#requestTimeout(Duration)}; waits are bounded by their own timeout
 * and survive watch failures, server restarts and compactions: they read the current state, watch from the read's
 * revision + 1, and read and watch again whenever the watch breaks. {@link #add(String, long)} and
 * {@link #compareAndSet(String, byte[], byte[])} are etcd transactions.
 *
 * <pre>{@code
 * try (EtcdKVStore store = EtcdKVStore.builder()
 *         .endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379")
 *         .namespace("job-42")
 *         .build()) {
 *     store.set("rank:0/addr", "10.0.0.7:29500");
 *     byte[] peer = store.waitForKey("rank:1/addr", Duration.ofMinutes(5));
 * }
 * }</pre>
 */
public final class EtcdKVStore extends AbstractKVStore {

    private static final Logger log = LoggerFactory.getLogger(EtcdKVStore.class);

    private final Client client;
    private final KV kv;
    private final EtcdAccess access;
    private final EtcdWaiter waiter;
    private final EtcdKeyLister lister;
    private final EtcdTransactions transactions;
    private final EtcdSession session;
    private final EtcdWatches watches;
    /** This store's keys: {@code {namespace}/{component}/{key}}. */
    private final KeyLayout layout;

    private EtcdKVStore(KeyLayout layout, EtcdAccess access, Duration leaseTtl) {
        super(layout.namespace(), layout.component());
        this.layout = layout;
        this.client = access.client();
        this.kv = client.getKVClient();
        this.access = access;
        this.waiter = new EtcdWaiter(kv, access, this::isClosed);
        this.lister = new EtcdKeyLister(kv, access);
        this.transactions = new EtcdTransactions(access, layout);
        this.session = new EtcdSession(client.getLeaseClient(), access, leaseTtl);
        this.watches = new EtcdWatches(kv, access);
    }

    /** @return a builder with the defaults: {@code http://127.0.0.1:2379}, namespace {@code default} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the jetcd client this store talks through, closed with the store: for components that share its
     *     connection, such as the etcd storage of a TCPStore gateway
     */
    public Client jetcdClient() {
        return client;
    }

    /** @return how long one etcd request may take (the builder's request timeout) */
    public Duration requestTimeout() {
        return access.requestTimeout();
    }

    /** @return the endpoints this store connects to */
    public List<String> endpoints() {
        return access.endpoints();
    }

    /**
     * Asks the cluster for its status, for health checks: the first endpoint that answers within the timeout wins.
     *
     * @throws KVStoreTimeoutException if no endpoint answered within the timeout
     * @throws KVStoreConnectionException if every endpoint failed
     */
    public EtcdClusterStatus clusterStatus(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        requireOpen();
        return EtcdClusterStatus.firstAnswer(client.getMaintenanceClient(), access, timeout);
    }

    /**
     * Lists the cluster's members with a member-list call, for diagnostics.
     *
     * @throws KVStoreTimeoutException if the cluster did not answer within the timeout
     */
    public List<EtcdMember> members(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        requireOpen();
        return EtcdMember.list(client.getClusterClient(), access, timeout);
    }

    /**
     * @return the full key prefixes ({@code {namespace}/{component}/{prefix}}) of this store's open
     *     {@link dev.kvstore.api.KeyWatches watches}, in natural order, for diagnostics
     */
    public List<String> watchedPrefixes() {
        return watches.fullPrefixes();
    }

    /**
     * Reads a page of the keys under this store's namespace (every component), for diagnostics: at most
     * {@code limit} keys in byte order after {@code after}, in one etcd range request bounded by the request timeout.
     *
     * @param after the page starts after this key (relative to the namespace, as a previous page's
     *     {@link EtcdKeyPage#nextAfter()}); {@code null} for the first page
     * @param limit most keys, 1..10000
     * @param valueBytes how many leading bytes of each value to include; 0 hides values
     * @throws IllegalArgumentException if limit or valueBytes is out of range
     */
    public EtcdKeyPage namespaceKeys(@Nullable String after, int limit, int valueBytes) {
        return lister.namespacePage(layout, after, limit, valueBytes);
    }

    // --- the KVStore operations on full keys --------------------------------------------------------------------

    @Override
    protected void doSet(String fullKey, byte[] value) {
        access.awaitRepeatable("put of key '" + fullKey + "'", () -> kv.put(bytes(fullKey), ByteSequence.from(value)));
    }

    @Override
    protected Optional<byte[]> doGet(String fullKey) {
        GetResponse response = access.awaitRepeatable("get of key '" + fullKey + "'", () -> kv.get(bytes(fullKey)));
        return response.getKvs().stream().findFirst().map(kv -> kv.getValue().getBytes());
    }

    @Override
    protected boolean doExists(String fullKey) {
        GetOption countOnly = GetOption.builder().withCountOnly(true).build();
        return access.awaitRepeatable("count of key '" + fullKey + "'", () -> kv.get(bytes(fullKey), countOnly))
                .getCount() > 0;
    }

    /** Through the fenced writer, so that a delete whose answer was lost still says that it deleted. */
    @Override
    protected boolean doDelete(String fullKey) {
        return transactions.delete(fullKey);
    }

    @Override
    protected byte[] doWaitForKey(String fullKey, Duration timeout) {
        return waiter.await("waitForKey '" + fullKey + "'", bytes(fullKey), false,
                new SingleKeyCondition(fullKey, null), timeout);
    }

    @Override
    protected byte[] doWaitForValue(String fullKey, byte[] expected, Duration timeout) {
        return waiter.await("waitForValue '" + fullKey + "'", bytes(fullKey), false,
                new SingleKeyCondition(fullKey, expected), timeout);
    }

    /** Reads the pattern's literal prefix and watches it; {@code candidateKeys} are not needed. */
    @Override
    protected List<String> doWaitForKeys(KVStore view, KeyPattern pattern, int expectedCount,
            byte @Nullable [] value, Duration timeout, @Nullable List<String> candidateKeys) {
        KeyLayout keys = keysOf(view);
        String prefix = keys.componentPrefix() + pattern.literalPrefix();
        return waiter.await("waitForKeys '" + keys.componentPrefix() + pattern + "'", bytes(prefix), true,
                new KeysCondition(keys, pattern, expectedCount, value), timeout);
    }

    /** A range read of keys only, at one revision, in chunks; see {@link EtcdKeyLister}. */
    @Override
    protected Optional<KeyListing> listing(KVStore view) {
        KeyLayout keys = keysOf(view);
        return Optional.of((prefix, continueAfter, limit) -> lister.page(keys, prefix == null ? "" : prefix,
                continueAfter, limit));
    }

    /** A read of the prefix, then a watch from its revision; see {@link EtcdPrefixWatch}. */
    @Override
    protected Optional<KeyWatches> watches(KVStore view) {
        KeyLayout keys = keysOf(view);
        return Optional.of((prefix, listener) -> watch(keys, prefix == null ? "" : prefix, listener,
                EtcdPrefixWatch.DEFAULT_QUEUE_CAPACITY, revision -> { }));
    }

    /** A watch with a given queue capacity and a hook called before every watch stream starts; for tests. */
    KVWatch watch(KeyLayout keys, String prefix, KVWatch.Listener listener, int capacity,
            java.util.function.LongConsumer beforeWatch) {
        return watches.open(keys, prefix, listener, capacity, beforeWatch);
    }

    /** Puts attached to this store's lease; lease-loss listeners are called on the lease's timer thread. */
    @Override
    protected Optional<EphemeralKeys> ephemeralKeys(KVStore view) {
        KeyLayout keys = keysOf(view);
        return Optional.of(new EphemeralKeys() {
            @Override
            public void setEphemeralBytes(String key, byte[] value) {
                String fullKey = keys.fullKey(key);
                long lease = session.current().id;
                PutOption underLease = PutOption.builder().withLeaseId(lease).build();
                access.awaitRepeatable("put of ephemeral key '" + fullKey + "'",
                        () -> kv.put(bytes(fullKey), ByteSequence.from(value), underLease));
            }

            @Override
            public void onLeaseLoss(Consumer<String> listener) {
                session.onLoss(Objects.requireNonNull(listener, "listener"));
            }
        });
    }

    /** Held under this store's lease; see {@link EtcdLock}. */
    @Override
    protected Optional<Locks> locks(KVStore view) {
        KeyLayout keys = keysOf(view);
        return Optional.of(name -> new ThreadReentrantLock(name, new EtcdLock(kv, access, waiter, session, keys,
                name)));
    }

    /** @return the layout of the keys of this store or one of its views */
    private static KeyLayout keysOf(KVStore view) {
        return KeyLayout.of(view.namespace(), view.component());
    }

    /** @return the TTL of this store's lease, which holds its locks */
    public Duration leaseTtl() {
        return session.ttl();
    }

    /** An etcd transaction, computed again on conflict, fenced against lost answers; see {@link EtcdTransactions}. */
    @Override
    protected long doAdd(String fullKey, long delta) {
        return transactions.add(fullKey, delta);
    }

    /** An etcd transaction, fenced against lost answers; see {@link EtcdTransactions}. */
    @Override
    protected boolean doCompareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
        return transactions.compareAndSet(fullKey, expected, desired);
    }

    /**
     * Revokes the lease (freeing this store's locks), deletes {@code {namespace}/} if asked, then closes the client
     * (which ends the watches of running waits).
     */
    @Override
    protected void doClose(boolean cleanup) {
        try {
            watches.closeAll();
            session.close();
            transactions.close();
            if (cleanup) {
                EtcdConnector.deleteNamespace(access, kv, layout);
            }
        } finally {
            client.close();
        }
    }

    private void requireOpen() {
        if (isClosed()) {
            throw new IllegalStateException("KVStore " + layout + " is closed");
        }
    }

    /** Test hooks into every wait of this store. */
    void waitHooks(WaitHooks hooks) {
        waiter.hooks(hooks);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EtcdKVStore[" + layout + " at " + access.endpoints() + "]";
    }

    /**
     * Configures and connects an {@link EtcdKVStore}. Defaults: endpoint {@code http://127.0.0.1:2379}, connect
     * timeout 5 s, request timeout 10 s, no authentication, no TLS, namespace {@code default}, component
     * {@code tensorbus}, no cleanup.
     */
    public static final class Builder {

        private List<String> endpoints = List.of("http://127.0.0.1:2379");
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private @Nullable String user;
        private @Nullable String password;
        private @Nullable Path caCertificate;
        private @Nullable Path clientCertificate;
        private @Nullable Path clientKey;
        private @Nullable TrustManagerFactory trustManagers;
        private @Nullable KeyManagerFactory keyManagers;
        private String namespace = "default";
        private String component = "tensorbus";
        private boolean cleanup;
        private Duration leaseTtl = Duration.ofSeconds(10);
        private final List<Consumer<ClientBuilder>> clientCustomizers = new ArrayList<>();

        /**
         * Customizes jetcd's {@link ClientBuilder} after this builder configured it (endpoints, timeouts, retries,
         * credentials, TLS) and before the client is built, e.g. to add a gRPC interceptor. Customizers run in the
         * order they were added. Changing what this builder configured (endpoints, TLS, the deadline interceptor)
         * is possible but unsupported.
         */
        public Builder customizeClient(Consumer<ClientBuilder> customizer) {
            clientCustomizers.add(Objects.requireNonNull(customizer, "customizer"));
            return this;
        }

        /** One or more endpoints, e.g. "http://10.0.0.1:2379"; "https://" requires caCertificate. */
        public Builder endpoints(List<String> endpoints) {
            Objects.requireNonNull(endpoints, "endpoints");
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("at least one etcd endpoint is required");
            }
            endpoints.forEach(endpoint -> Objects.requireNonNull(endpoint, "endpoint"));
            this.endpoints = List.copyOf(endpoints);
            return this;
        }

        /** One or more endpoints, e.g. "http://10.0.0.1:2379"; "https://" requires caCertificate. */
        public Builder endpoints(String... endpoints) {
            return endpoints(Arrays.asList(Objects.requireNonNull(endpoints, "endpoints")));
        }

        /** Bound of establishing the first connection (and of the health check's call). Default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.positive("connectTimeout", connectTimeout);
            return this;
        }

        /** Deadline of every single etcd call (a wait is many calls and has its own timeout). Default 10 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Checks.positive("requestTimeout", requestTimeout);
            return this;
        }

        /** @return the bound of establishing the first connection, as set so far */
        public Duration connectTimeout() {
            return connectTimeout;
        }

        /** @return the deadline of every single etcd call, as set so far */
        public Duration requestTimeout() {
            return requestTimeout;
        }

        /** The etcd user to authenticate as; needs {@link #password(String)}. Default: no authentication. */
        public Builder user(@Nullable String user) {
            this.user = user;
            return this;
        }

        /** The password of {@link #user(String)}. */
        public Builder password(@Nullable String password) {
            this.password = password;
            return this;
        }

        /** Enables TLS: the server's certificate is verified against this CA (PEM). */
        public Builder caCertificate(@Nullable Path pem) {
            this.caCertificate = pem;
            return this;
        }

        /** Mutual TLS: the client's certificate chain (PEM) and its PKCS#8 private key (PEM). */
        public Builder clientCertificate(@Nullable Path certificatePem, @Nullable Path privateKeyPem) {
            this.clientCertificate = certificatePem;
            this.clientKey = privateKeyPem;
            return this;
        }

        /**
         * Enables TLS with JSSE key and trust material instead of PEM files, e.g. the managers of a Spring Boot SSL
         * bundle. Use either this or {@link #caCertificate(Path)}, not both.
         *
         * @param trustManagers verify the server's certificate
         * @param keyManagers the client's certificate and key for mutual TLS, or {@code null} for none
         * @return this builder
         */
        public Builder tls(TrustManagerFactory trustManagers, @Nullable KeyManagerFactory keyManagers) {
            this.trustManagers = Objects.requireNonNull(trustManagers, "trustManagers");
            this.keyManagers = keyManagers;
            return this;
        }

        /** The first segment of every key; isolates jobs. Default {@code default}. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** The second segment of every key; isolates subsystems of a job. Default {@code tensorbus}. */
        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /**
         * Whether {@link #build()} deletes every key under {@code {namespace}/} first. Only the owner of
         * the namespace (rank 0) should do that, before the other ranks start; default {@code false}.
         */
        public Builder cleanup(boolean cleanup) {
            this.cleanup = cleanup;
            return this;
        }

        /**
         * TTL of the store's lease, which holds its locks: a process that dies frees them within this time, and a
         * process cut off from etcd this long loses them. Rounded up to whole seconds; default 10 s.
         */
        public Builder leaseTtl(Duration leaseTtl) {
            this.leaseTtl = Checks.positive("leaseTtl", leaseTtl);
            return this;
        }

        private Builder() {
        }

        /**
         * Connects and checks the cluster answers within connectTimeout.
         *
         * @throws IllegalArgumentException if the configuration is invalid
         * @throws RequestTimeoutTooShortException (a {@link KVStoreTimeoutException}) if the cluster answers, but not
         *     the connection check within the request timeout: raise {@link #requestTimeout(Duration)}
         * @throws KVStoreTimeoutException if the cluster did not answer within the connect timeout
         * @throws KVStoreConnectionException if the cluster refused the connection or the credentials
         */
        public EtcdKVStore build() {
            KeyLayout layout = KeyLayout.of(namespace, component);
            EtcdConnector connector = new EtcdConnector(endpoints, connectTimeout, requestTimeout, user, password,
                    caCertificate, clientCertificate, clientKey, trustManagers, keyManagers);
            EtcdAccess connected = connector.connect(layout, cleanup,
                    client -> clientCustomizers.forEach(customizer -> customizer.accept(client)));
            log.info("Connected to etcd {} as {}", endpoints, layout);
            return new EtcdKVStore(layout, connected, leaseTtl);
        }
    }
}
