package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.etcd.RequestTimeoutTooShortException;
import dev.kvstore.spring.KVStoreStartup;
import dev.kvstore.spring.KVStoreStartupException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the auto-configured etcd store in the context's lifecycle (connecting is bounded by the connect timeout);
 * failures become {@link KVStoreStartupException}s that name the properties to change.
 */
final class EtcdStoreStarter implements KVStoreStartup.Starter {

    private static final Logger logger = LoggerFactory.getLogger(EtcdStoreStarter.class);

    private final EtcdKVStore.Builder builder;

    private final String endpoints;

    private final boolean tls;

    /** The timeouts come from the builder's settings, the one place they are configured. */
    EtcdStoreStarter(EtcdKVStore.Builder builder, String endpoints, boolean tls) {
        this.builder = builder;
        this.endpoints = endpoints;
        this.tls = tls;
    }

    @Override
    public Duration requestTimeout() {
        return this.builder.requestTimeout();
    }

    @Override
    public KVStore start(KVStoreStartup startup) {
        startup.progress("connecting to etcd " + this.endpoints);
        try {
            EtcdKVStore store = this.builder.build();
            logger.info("KVStore ready on etcd {}", this.endpoints);
            return store;
        } catch (RuntimeException ex) {
            if (startup.isAborted()) {
                throw ex;
            }
            throw failure(ex);
        }
    }

    private RuntimeException failure(RuntimeException ex) {
        String message = String.valueOf(ex.getMessage());
        if (ex instanceof IllegalArgumentException) {
            // What the builder checks only when it connects; the starter checked each property it maps on its own.
            return new KVStoreStartupException("The etcd settings are invalid: " + message,
                    "Check kvstore.etcd.endpoints (http://host:port, or https://host:port with kvstore.etcd.tls.* or "
                            + "kvstore.etcd.ssl.bundle), and kvstore.etcd.user with kvstore.etcd.password (both or "
                            + "neither).",
                    ex);
        }
        if (ex instanceof RequestTimeoutTooShortException) {
            // etcd answered a probe, but no call within the request timeout: the deadline, not the network (nor TLS,
            // over which the probe was answered)
            return new KVStoreStartupException(message,
                    "Raise kvstore.etcd.request-timeout (a bare number is read as milliseconds; the default is 10s).",
                    ex);
        }
        if (Causes.any(ex, SSLException.class::isInstance)
                || (this.tls && ex instanceof KVStoreTimeoutException && anyEndpointAcceptsConnections())) {
            return new KVStoreStartupException("etcd " + this.endpoints + " accepts connections but did not answer "
                    + "over TLS within " + this.builder.connectTimeout() + ": most likely the TLS handshake failed ("
                    + message + ")",
                    "Check kvstore.etcd.tls.ca-certificate (the CA that signed etcd's certificate) and, for mutual "
                            + "TLS, kvstore.etcd.tls.client-certificate and kvstore.etcd.tls.client-key; endpoints "
                            + "with TLS use https:// (kvstore.etcd.endpoints).",
                    ex);
        }
        if (ex instanceof KVStoreConnectionException && refusedCredentials(ex)) {
            return new KVStoreStartupException("etcd " + this.endpoints + " refused the credentials: " + message,
                    "Check kvstore.etcd.user and kvstore.etcd.password (and that the user's role may use the "
                            + "namespace, kvstore.namespace).",
                    ex);
        }
        if (ex instanceof KVStoreTimeoutException || ex instanceof KVStoreConnectionException) {
            return new KVStoreStartupException("etcd " + this.endpoints + " could not be reached within "
                    + this.builder.connectTimeout() + " (kvstore.etcd.connect-timeout): " + message,
                    "Check that etcd runs and that kvstore.etcd.endpoints (or kvstore.etcd.host and "
                            + "kvstore.etcd.port) name it, or increase kvstore.etcd.connect-timeout.",
                    ex);
        }
        return new KVStoreStartupException("The KVStore on etcd " + this.endpoints + " could not start: " + message,
                "Check the kvstore.etcd.* properties (endpoints, user, password, tls.*) and kvstore.namespace.", ex);
    }

    /**
     * @return whether etcd refused the call for who is calling: gRPC's UNAUTHENTICATED (wrong user or password) or
     *     PERMISSION_DENIED (the user's role may not use the keys), from jetcd's exception or a gRPC status in the
     *     causes
     */
    static boolean refusedCredentials(Throwable failure) {
        return Causes.any(failure, (t) -> {
            Status.Code code = (t instanceof EtcdException etcd) ? Status.Code.valueOf(etcd.getErrorCode().name())
                    : (t instanceof StatusRuntimeException grpc) ? grpc.getStatus().getCode()
                    : (t instanceof StatusException grpc) ? grpc.getStatus().getCode() : null;
            return code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
        });
    }

    /** @return whether some endpoint accepts a TCP connection (so what failed is above TCP, e.g. TLS) */
    private boolean anyEndpointAcceptsConnections() {
        for (String endpoint : this.endpoints.split(",")) {
            URI uri = URI.create(endpoint.trim());
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
                return true;
            } catch (IOException | IllegalArgumentException ex) {
                // not this one
            }
        }
        return false;
    }

}
