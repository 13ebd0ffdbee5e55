package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a jetcd {@link Client} as an {@link EtcdKVStore.Builder} describes it: checks the endpoints, the
 * credentials and the TLS material, bounds every call and jetcd's retries, and checks that the cluster answers
 * within the connect timeout before the store is handed out.
 *
 * @param caCertificate TLS from PEM files: the CA; {@code null} without
 * @param trustManagers TLS from JSSE managers (e.g. a Spring Boot SSL bundle); {@code null} without
 */
record EtcdConnector(List<String> endpoints, Duration connectTimeout, Duration requestTimeout,
        @Nullable String user, @Nullable String password, @Nullable Path caCertificate,
        @Nullable Path clientCertificate, @Nullable Path clientKey, @Nullable TrustManagerFactory trustManagers,
        @Nullable KeyManagerFactory keyManagers) {

    /** Large enough for a prefix read of many big values; gRPC's default of 4 MiB is not. */
    static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;
    /**
     * gRPC keepalive: a member that hangs (frozen process, dead machine, cut network) keeps its connection open and
     * round-robin keeps sending it calls, which time out, until a keepalive ping goes unanswered. jetcd's defaults
     * (30 s + 10 s) let that last 40 s; 10 s is gRPC's minimum ping interval and well above etcd's 5 s minimum.
     */
    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration FIRST_CONNECT_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_CONNECT_BACKOFF = Duration.ofSeconds(1);
    /** How long a failed connection check waits for the sign that etcd answers (a watch created). */
    private static final Duration PROBE_BOUND = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(EtcdConnector.class);

    /**
     * Connects, checks the cluster answers, and deletes {@code {namespace}/} first if asked; closes the client again
     * if any of it fails. A cluster that does not answer yet (not started, still electing a leader, a loaded machine)
     * is tried again with backoff, each time on a new connection, until the connect timeout.
     *
     * @param customizer applied to jetcd's builder last, before it builds the client
     *
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws RequestTimeoutTooShortException if the cluster answers, but not the connection check within the request
     *     timeout
     * @throws KVStoreTimeoutException if the cluster did not answer within the connect timeout
     * @throws KVStoreConnectionException if the cluster refused the connection or the credentials
     */
    EtcdAccess connect(KeyLayout layout, boolean cleanup, Consumer<ClientBuilder> customizer) {
        List<URI> uris = endpoints.stream().map(this::parseEndpoint).toList();
        ClientBuilder client = Client.builder()
                .endpoints(uris.toArray(URI[]::new))
                .connectTimeout(connectTimeout)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .keepaliveTime(KEEPALIVE_TIME)
                .keepaliveTimeout(KEEPALIVE_TIMEOUT);
        EtcdAccess.configure(client, requestTimeout);
        if (user != null || password != null) {
            if (user == null || password == null) {
                throw new IllegalArgumentException("etcd authentication needs both user and password");
            }
            client.user(bytes(user)).password(bytes(password));
        }
        if (caCertificate != null && trustManagers != null) {
            throw new IllegalArgumentException(
                    "TLS is configured twice: caCertificate (PEM files) and tls(trustManagers, keyManagers)");
        }
        if (caCertificate != null) {
            client.sslContext(sslContextFromFiles(caCertificate));
        } else if (trustManagers != null) {
            client.sslContext(sslContextFromManagers(trustManagers));
        } else if (clientCertificate != null) {
            throw new IllegalArgumentException("a client certificate needs caCertificate (TLS)");
        }
        customizer.accept(client);
        EtcdAccess access = firstConnection(client, layout);
        try {
            if (cleanup) {
                deleteNamespace(access, access.kv(), layout);
            }
        } catch (RuntimeException e) {
            access.client().close();
            throw e;
        }
        return access;
    }

    /**
     * Builds clients until one passes the connection check, with backoff between attempts, within the connect
     * timeout. An attempt waits for etcd until the connect timeout unless the request timeout (each call's gRPC
     * deadline) or a failure ends it first; the next attempt has a new client, whose channel connects at once where
     * the old one's would wait out gRPC's reconnection backoff (which grows to minutes).
     */
    private EtcdAccess firstConnection(ClientBuilder builder, KeyLayout layout) {
        Deadline deadline = null;
        Backoff backoff = new Backoff(FIRST_CONNECT_BACKOFF, MAX_CONNECT_BACKOFF);
        int attempts = 0;
        while (true) {
            attempts++;
            EtcdAccess access = new EtcdAccess(builder.build(), endpoints, requestTimeout);
            if (deadline == null) {
                // From the first client on: building it loads classes and starts threads, which takes seconds on a
                // loaded machine and says nothing about etcd.
                deadline = Deadline.after(connectTimeout);
            }
            KVStoreException failure;
            try {
                checkConnection(access, layout, Duration.ofNanos(Math.max(1, deadline.nanosLeft())));
                if (attempts > 1) {
                    log.info("etcd at {} answered the connection check at attempt {}", endpoints, attempts);
                }
                return access;
            } catch (KVStoreTimeoutException | KVStoreConnectionException e) {
                failure = e;
            } catch (KVStoreException e) { // permission denied, a cluster without the user, ...
                access.client().close();
                throw connectionRefused(e);
            } catch (RuntimeException e) {
                access.client().close();
                throw e;
            }
            if (cutByRequestTimeout(failure) && answersStreams(access, layout, deadline)) {
                // etcd answers: check once more (it may have just come up); cut again, the deadline is the cause
                try {
                    checkConnection(access, layout, Duration.ofNanos(Math.max(1, deadline.nanosLeft())));
                    return access;
                } catch (KVStoreTimeoutException | KVStoreConnectionException again) {
                    if (cutByRequestTimeout(again)) {
                        access.client().close();
                        throw new RequestTimeoutTooShortException("etcd at " + endpoints + " answers, but its "
                                + "connection check did not complete within the request timeout of " + requestTimeout
                                + " (" + EtcdAccess.REQUEST_TIMEOUT_SETTING + ", kvstore.etcd.request-timeout): the "
                                + "request timeout is the likely cause; raise it", again);
                    }
                    failure = again;
                }
            }
            access.client().close();
            if (EtcdAccess.isAuthenticationFailure(failure) || !(failure instanceof KVStoreTimeoutException
                    || EtcdAccess.isTransient(failure.getCause() == null ? failure : failure.getCause()))) {
                throw connectionRefused(failure);
            }
            if (deadline.hasPassed()) {
                throw new KVStoreTimeoutException("etcd at " + endpoints + " did not answer within " + connectTimeout
                        + " (connect timeout)" + who() + "; is etcd running and reachable? " + attempts
                        + " attempt(s), the last: " + failure.getMessage(), failure);
            }
            log.debug("etcd at {} did not answer the connection check (attempt {}): {}; trying again", endpoints,
                    attempts, failure.getMessage());
            try {
                backoff.sleep(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreConnectionException("interrupted while connecting to etcd at " + endpoints, e);
            }
        }
    }

    private static boolean cutByRequestTimeout(KVStoreException failure) {
        return EtcdAccess.statusCode(failure) == Status.Code.DEADLINE_EXCEEDED;
    }

    /**
     * @return whether etcd answers a call that no request timeout bounds (a watch's created notice), within a
     *     second or what is left of the connect timeout
     */
    private static boolean answersStreams(EtcdAccess access, KeyLayout layout, Deadline deadline) {
        long bound = Math.max(1, Math.min(deadline.nanosLeft(), PROBE_BOUND.toNanos()));
        return access.createsWatches(bytes(layout.namespacePrefix()), Duration.ofNanos(bound));
    }

    private String who() {
        return user == null ? "" : " as user '" + user + "'";
    }

    private KVStoreConnectionException connectionRefused(KVStoreException e) {
        return new KVStoreConnectionException("cannot use etcd at " + endpoints + who() + ": " + e.getMessage(), e);
    }

    /** Deletes every key under the layout's namespace. */
    static void deleteNamespace(EtcdAccess access, KV kv, KeyLayout layout) {
        String prefix = layout.namespacePrefix();
        long deleted = access.await("cleanup of prefix '" + prefix + "'",
                () -> kv.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build())).getDeleted();
        log.info("Deleted {} keys under '{}' from etcd {}", deleted, prefix, access.endpoints());
    }

    private static void checkConnection(EtcdAccess access, KeyLayout layout, Duration bound) {
        GetOption countPrefix = GetOption.builder().isPrefix(true).withCountOnly(true).build();
        access.await("connection check", () -> access.kv().get(bytes(layout.namespacePrefix()), countPrefix), bound);
    }

    private URI parseEndpoint(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "invalid etcd endpoint '" + endpoint + "': expected http://host:port or https://host:port", e);
        }
        String scheme = uri.getScheme();
        if (uri.getHost() == null || uri.getPort() < 0 || !("http".equals(scheme) || "https".equals(scheme))) {
            throw new IllegalArgumentException(
                    "invalid etcd endpoint '" + endpoint + "': expected http://host:port or https://host:port");
        }
        boolean tls = caCertificate != null || trustManagers != null;
        if ("https".equals(scheme) && !tls) {
            throw new IllegalArgumentException(
                    "etcd endpoint '" + endpoint + "' uses https: configure caCertificate (or tls(...))");
        }
        if ("http".equals(scheme) && tls) {
            throw new IllegalArgumentException("etcd endpoint '" + endpoint
                    + "' uses http but TLS is configured (" + (caCertificate != null ? "caCertificate" : "tls(...)")
                    + "): use https");
        }
        return uri;
    }

    private SslContext sslContextFromFiles(Path ca) {
        try {
            SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(readable(ca).toFile());
            if (clientCertificate != null || clientKey != null) {
                if (clientCertificate == null || clientKey == null) {
                    throw new IllegalArgumentException("mutual TLS needs both a client certificate and its key");
                }
                tls.keyManager(readable(clientCertificate).toFile(), readable(clientKey).toFile());
            }
            return tls.build();
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException invalid) {
                throw invalid;
            }
            throw new IllegalArgumentException("cannot set up TLS from caCertificate " + ca
                    + (clientCertificate == null ? "" : ", client certificate " + clientCertificate
                    + ", client key " + clientKey) + ": " + e.getMessage(), e);
        }
    }

    private SslContext sslContextFromManagers(TrustManagerFactory trust) {
        try {
            SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(trust);
            if (keyManagers != null) {
                tls.keyManager(keyManagers);
            }
            return tls.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot set up TLS from the given key and trust managers: "
                    + e.getMessage(), e);
        }
    }

    private static Path readable(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file);
        }
        return file;
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
