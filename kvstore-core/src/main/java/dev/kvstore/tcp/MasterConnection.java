package dev.kvstore.tcp;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link TcpKVStore} reaches its master: for a master, the embedded server it starts first; then the protocol
 * generation found once (chosen and checked, or detected) and the pool of connections that speak it. Thread-safe;
 * starting and closing are serialised, so a close from another thread aborts a start in progress.
 */
final class MasterConnection {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);
    private static final int MAX_IDLE_CONNECTIONS = 16;

    private final String host;
    private final int requestedPort;
    private final boolean master;
    private final TcpProtocol selection;
    private final TcpProtocol serverLegacyProtocol;
    private final Consumer<TcpStoreServer.Builder> serverCustomizer;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final String storeName;
    private final BooleanSupplier storeClosed;
    private final Object lock = new Object();
    private volatile int port;
    private volatile @Nullable EmbeddedMaster server;
    private volatile @Nullable TcpConnectionPool pool;
    /** The generation spoken: chosen, or detected by {@link #connect()}; {@code null} until then. */
    private volatile @Nullable TcpProtocol protocol;
    /** Watches and ephemeral keys (the Java master's extension); made on first use after the start. */
    private @Nullable JavaMasterFeatures javaMasterFeatures;

    /**
     * @param storeName the store, for messages ("KVStore ns/comp/")
     * @param storeClosed whether the store was closed: starting fails then, and connecting stops
     */
    MasterConnection(TcpKVStore.Builder settings, String storeName, BooleanSupplier storeClosed) {
        this.host = settings.host;
        this.requestedPort = settings.port;
        this.port = settings.port;
        this.master = settings.master;
        this.selection = settings.protocol;
        this.serverLegacyProtocol = settings.serverLegacyProtocol;
        this.connectTimeout = settings.connectTimeout;
        this.requestTimeout = settings.requestTimeout;
        this.storeName = storeName;
        this.storeClosed = storeClosed;
        // The store's limits are its own server's too; a server(...) customizer may still change the server's.
        Consumer<TcpStoreServer.Builder> limits = server -> server.maxValueBytes(settings.maxValueBytes)
                .maxKeysPerRequest(settings.maxKeysPerRequest);
        this.serverCustomizer = limits.andThen(settings.serverCustomizer);
        if (master) {
            // Fails at build, not at start, when the chosen protocol is one this master's own server cannot speak.
            ProtocolProbe.forOwnServer(selection, serverLegacyProtocol);
        }
    }

    /** For a master: binds and starts the embedded server unless it runs; then {@link #port()} is the bound port. */
    void startServer() {
        synchronized (lock) {
            requireNotClosed();
            if (master && server == null) {
                EmbeddedMaster embedded = EmbeddedMaster.start(host, requestedPort, serverLegacyProtocol,
                        serverCustomizer);
                this.port = embedded.port();
                this.server = embedded;
            }
        }
    }

    /**
     * Finds the generation to speak (a master's own, or probed on another master) and creates the pool, once. Nothing
     * is connected yet.
     *
     * @return the connections
     */
    TcpConnectionPool connect() {
        synchronized (lock) {
            requireNotClosed();
            TcpConnectionPool existing = pool;
            if (existing != null) {
                return existing;
            }
        }
        String connectHost = connectHost();
        // Every pooled connection speaks the generation found once here (probing may take a while: unlocked).
        TcpProtocol generation = master ? ProtocolProbe.forOwnServer(selection, serverLegacyProtocol)
                : new ProtocolProbe(connectHost, port, connectTimeout, storeClosed).resolve(selection);
        synchronized (lock) {
            requireNotClosed();
            TcpConnectionPool created = pool;
            if (created == null) {
                protocol = generation;
                created = new TcpConnectionPool(connectHost, port, generation, requestTimeout, MAX_IDLE_CONNECTIONS);
                pool = created;
            }
            return created;
        }
    }

    /** @return where connections go: a master bound to the wildcard address reaches its own server over loopback */
    private String connectHost() {
        return master && (host.equals("0.0.0.0") || host.equals("::")) ? "127.0.0.1" : host;
    }

    /**
     * @return the store's watches and ephemeral keys on this master, which work only if it is the Java master (see
     *     {@link JavaMasterFeatures}); created on first use, after {@link #connect()}
     */
    JavaMasterFeatures javaMasterFeatures() {
        TcpProtocol spoken = spoken(); // fails clearly when closed or not started
        synchronized (lock) {
            requireNotClosed();
            JavaMasterFeatures features = javaMasterFeatures;
            if (features == null) {
                features = new JavaMasterFeatures(connectHost(), port, spoken, requestTimeout, master, storeClosed);
                javaMasterFeatures = features;
            }
            return features;
        }
    }

    /** @return the connections; before {@link #connect()} there are none */
    TcpConnectionPool pool() {
        TcpConnectionPool connections = pool;
        if (connections == null) {
            requireNotClosed();
            throw new IllegalStateException("TCPStore " + address() + " is not started: call start()");
        }
        return connections;
    }

    /** Runs one operation on a pooled connection. */
    <T> T withConnection(Function<TcpStoreClient, T> operation) {
        return pool().withConnection(operation);
    }

    /** @return a connection held for one operation */
    ConnectionLease lease() {
        return new ConnectionLease(this::pool);
    }

    /** @return the generation the connections speak (set with them: before {@link #connect()} there is none) */
    TcpProtocol spoken() {
        pool(); // fails clearly when closed or not started
        return protocol;
    }

    /** @return the generation spoken, or {@code null} before {@link #connect()} */
    @Nullable TcpProtocol protocol() {
        return protocol;
    }

    int port() {
        return port;
    }

    /** @return {@code host:port} of the master */
    String address() {
        return host + ":" + port;
    }

    /** @return a master's embedded server, once started */
    Optional<TcpStoreServer> embeddedServer() {
        return Optional.ofNullable(server).map(EmbeddedMaster::server);
    }

    /** @throws IllegalStateException if the store was closed */
    void requireNotClosed() {
        if (storeClosed.getAsBoolean()) {
            throw new IllegalStateException(storeName + " on TCPStore " + address() + " is closed");
        }
    }

    /**
     * Ends the watches and the connection owning ephemeral keys (the master deletes them before this goes on), closes
     * the connections (calls blocked on them fail), then a master's server.
     */
    void close() {
        JavaMasterFeatures features;
        synchronized (lock) {
            features = javaMasterFeatures;
        }
        if (features != null) {
            features.close();
        }
        synchronized (lock) {
            TcpConnectionPool connections = pool;
            if (connections != null) {
                connections.close();
            }
        }
        EmbeddedMaster embedded = server;
        if (embedded != null) {
            try {
                embedded.close();
            } catch (RuntimeException e) {
                log.warn("Closing the embedded TCPStore server {} failed", address(), e);
            }
        }
    }
}
