package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeyLayout;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
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
    private static final Logger log = LoggerFactory.getLogger(EtcdConnector.class);

    /** @return the bounded calls of a store connected by this connector */
    EtcdCalls calls() {
        return new EtcdCalls(endpoints, requestTimeout);
    }

    /**
     * Connects, checks the cluster answers within the connect timeout, and deletes {@code {namespace}/} first if
     * asked; closes the client again if any of it fails.
     *
     * @param customizer applied to jetcd's builder last, before it builds the client
     *
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws KVStoreTimeoutException if the cluster did not answer within the connect timeout
     * @throws KVStoreConnectionException if the cluster refused the connection or the credentials
     */
    Client connect(KeyLayout layout, boolean cleanup, Consumer<ClientBuilder> customizer) {
        List<URI> uris = endpoints.stream().map(this::parseEndpoint).toList();
        ClientBuilder client = Client.builder()
                .endpoints(uris.toArray(URI[]::new))
                .connectTimeout(connectTimeout)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .keepaliveTime(KEEPALIVE_TIME)
                .keepaliveTimeout(KEEPALIVE_TIMEOUT)
                .interceptor(new DeadlineInterceptor(requestTimeout));
        retryWithin(client, requestTimeout);
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
        EtcdCalls calls = calls();
        Client connected = client.build();
        try {
            checkConnection(calls, connected.getKVClient(), layout);
            if (cleanup) {
                deleteNamespace(calls, connected.getKVClient(), layout);
            }
        } catch (RuntimeException e) {
            connected.close();
            throw e;
        }
        return connected;
    }

    /** Deletes every key under the layout's namespace. */
    static void deleteNamespace(EtcdCalls calls, KV kv, KeyLayout layout) {
        String prefix = layout.namespacePrefix();
        long deleted = calls.await("cleanup of prefix '" + prefix + "'",
                kv.delete(bytes(prefix), DeleteOption.builder().isPrefix(true).build())).getDeleted();
        log.info("Deleted {} keys under '{}' from etcd {}", deleted, prefix, calls.endpoints());
    }

    /**
     * jetcd retries failed idempotent calls with backoff; keep its retries within one request timeout (the
     * caller's deadline bounds the call anyway; this stops retries that nobody waits for).
     */
    private static void retryWithin(ClientBuilder client, Duration requestTimeout) {
        long millis = Math.max(1, requestTimeout.toMillis());
        long delay = Math.max(1, Math.min(500, millis / 5));
        long maxDelay = Math.max(delay + 1, Math.min(2500, millis / 2));
        client.retryDelay(delay).retryMaxDelay(maxDelay).retryChronoUnit(ChronoUnit.MILLIS);
        if (millis > maxDelay) {
            client.retryMaxDuration(requestTimeout);
        }
    }

    private void checkConnection(EtcdCalls calls, KV kv, KeyLayout layout) {
        GetOption countPrefix = GetOption.builder().isPrefix(true).withCountOnly(true).build();
        String who = user == null ? "" : " as user '" + user + "'";
        try {
            calls.await("connection check", kv.get(bytes(layout.namespacePrefix()), countPrefix), connectTimeout);
        } catch (KVStoreTimeoutException e) {
            throw new KVStoreTimeoutException("etcd at " + endpoints + " did not answer within " + connectTimeout
                    + " (connect timeout)" + who + "; is etcd running and reachable?", e);
        } catch (KVStoreException e) {
            throw new KVStoreConnectionException("cannot use etcd at " + endpoints + who + ": " + e.getMessage(), e);
        }
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
