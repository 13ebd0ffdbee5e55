package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.spring.KVStoreStartup;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.tcp.ProtocolMismatchException;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStoreException;
import java.net.BindException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

/**
 * Starts the auto-configured TCPStore in the context's lifecycle: the master's server first (publishing the bound
 * port as {@value #PORT_PROPERTY}), then connecting and the rendezvous. Failures become
 * {@link KVStoreStartupException}s that name the properties to change.
 */
final class TcpStoreStarter implements KVStoreStartup.Starter {

    /** The port the master's server bound, in the Environment (like {@code local.server.port}). */
    static final String PORT_PROPERTY = "local.kvstore.tcp.port";

    private static final String PROPERTY_SOURCE_NAME = "kvstore.ports";

    private static final Logger logger = LoggerFactory.getLogger(TcpStoreStarter.class);

    private final TcpKVStore store;

    private final TcpConnectionSettings settings;

    private final Environment environment;

    /** The timeouts come from the store's own settings, the one place they are configured. */
    TcpStoreStarter(TcpKVStore store, TcpConnectionSettings settings, Environment environment) {
        this.store = store;
        this.settings = settings;
        this.environment = environment;
    }

    @Override
    public Duration requestTimeout() {
        return this.store.requestTimeout();
    }

    @Override
    public KVStore start(KVStoreStartup startup) {
        startup.onAbort(() -> this.store.close(false));
        if (this.store.isMaster()) {
            startup.progress("starting the TCPStore server on " + this.store.host() + ":" + this.store.port());
            try {
                this.store.startServer();
            } catch (RuntimeException ex) {
                throw serverFailure(ex);
            }
            publishPort(this.store.port());
            // The master's state can be shown from now on, while the rendezvous below waits for the workers.
            startup.backend(this.store);
        }
        String endpoint = this.store.host() + ":" + this.store.port() + (this.store.isMaster() ? " (master)" : "");
        startup.endpoint(endpoint);
        Integer worldSize = this.settings.worldSize();
        logger.info("Connecting KVStore to TCPStore {} as rank {}{}", endpoint, this.settings.role().rank(),
                (worldSize != null) ? " of " + worldSize : "");
        startup.progress((this.store.isMaster() && worldSize != null)
                ? "waiting for " + worldSize + " processes to register (kvstore.tcp.world-size)"
                : "connecting to " + endpoint);
        try {
            this.store.start();
        } catch (RuntimeException ex) {
            if (startup.isAborted()) {
                throw ex;
            }
            throw startFailure(ex);
        }
        logger.info("KVStore ready on TCPStore {}", endpoint);
        return this.store;
    }

    private void publishPort(int port) {
        if (this.environment instanceof ConfigurableEnvironment configurable) {
            MutablePropertySources sources = configurable.getPropertySources();
            PropertySource<?> source = sources.get(PROPERTY_SOURCE_NAME);
            if (source == null) {
                source = new MapPropertySource(PROPERTY_SOURCE_NAME, new HashMap<>());
                sources.addFirst(source);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> ports = (Map<String, Object>) source.getSource();
            ports.put(PORT_PROPERTY, port);
        }
        logger.info("TCPStore master bound to {}:{} ({}={})", this.store.host(), port, PORT_PROPERTY, port);
    }

    private RuntimeException serverFailure(RuntimeException ex) {
        String where = this.store.host() + ":" + this.settings.port();
        if (Causes.any(ex, BindException.class::isInstance)) {
            return new KVStoreStartupException("The TCPStore master could not bind " + where + " (kvstore.tcp.host and "
                    + "kvstore.tcp.port): " + rootMessage(ex),
                    "Another process (often a previous run, or another master on this host) holds the port, or the "
                            + "host is not an address of this machine. Stop it, or change kvstore.tcp.port (0 picks "
                            + "a free port, published as " + PORT_PROPERTY + ") or kvstore.tcp.host (MASTER_PORT / "
                            + "MASTER_ADDR when the properties are unset).",
                    ex);
        }
        if (Causes.any(ex, EtcdServerStoreException.class::isInstance)) {
            return new KVStoreStartupException("The TCPStore gateway on " + where + " could not use etcd: "
                    + ex.getMessage(), "kvstore.tcp.server.store=etcd keeps the master's keys in etcd: check "
                            + "kvstore.etcd.endpoints, kvstore.etcd.connect-timeout and the etcd credentials.", ex);
        }
        return new KVStoreStartupException("The TCPStore master could not start on " + where + ": "
                + ex.getMessage(), "Check kvstore.tcp.host and kvstore.tcp.port (or MASTER_ADDR and MASTER_PORT).", ex);
    }

    private RuntimeException startFailure(RuntimeException ex) {
        String endpoint = this.store.host() + ":" + this.store.port();
        ProtocolMismatchException mismatch = Causes.find(ex, ProtocolMismatchException.class);
        if (mismatch != null) {
            // The master is there and answered: the cause is the protocol setting, whatever timeout ran meanwhile.
            String spoken = mismatch.spoken().name().toLowerCase(Locale.ROOT);
            return new KVStoreStartupException("This process (rank " + this.settings.role().rank()
                    + ") cannot use the TCPStore master at " + endpoint + ": it does not serve the "
                    + mismatch.chosen() + " protocol chosen by kvstore.tcp.protocol. It speaks " + mismatch.spoken()
                    + " (" + mismatch.evidence() + ").",
                    "Set kvstore.tcp.protocol to auto (the default: it detects the master's generation) or to "
                            + spoken + ".",
                    ex);
        }
        if (Causes.any(ex, ConnectException.class::isInstance)
                || (!this.store.isMaster() && ex instanceof KVStoreException)) {
            return new KVStoreStartupException("This process (rank " + this.settings.role().rank()
                    + ") could not reach the TCPStore master at " + endpoint + " within " + this.store.connectTimeout()
                    + " (kvstore.tcp.connect-timeout): " + ex.getMessage(),
                    "Start the master (rank 0) first or check that it runs, and that kvstore.tcp.host and "
                            + "kvstore.tcp.port (or MASTER_ADDR and MASTER_PORT, which torchrun sets) name it. "
                            + "Increase kvstore.tcp.connect-timeout if the master starts later.",
                    ex);
        }
        if (this.store.isMaster() && ex instanceof KVStoreTimeoutException) {
            return new KVStoreStartupException("The TCPStore master " + endpoint + " waited "
                    + this.store.workerWaitTimeout() + " (kvstore.tcp.worker-wait-timeout) for kvstore.tcp.world-size="
                    + this.settings.worldSize() + " processes to register: " + ex.getMessage(),
                    "Start the missing workers (ranks 1.." + (this.settings.worldSize() - 1) + ") with "
                            + "kvstore.tcp.host/port (or MASTER_ADDR/MASTER_PORT) naming this master, check "
                            + "kvstore.tcp.world-size (or WORLD_SIZE), or increase kvstore.tcp.worker-wait-timeout.",
                    ex);
        }
        return new KVStoreStartupException("The KVStore on TCPStore " + endpoint + " could not start: "
                + ex.getMessage(), "Check kvstore.tcp.host, kvstore.tcp.port, kvstore.tcp.protocol and "
                        + "kvstore.tcp.master (or MASTER_ADDR, MASTER_PORT and RANK).", ex);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = Causes.root(failure);
        return (root.getMessage() != null) ? root.getMessage() : root.toString();
    }

}
