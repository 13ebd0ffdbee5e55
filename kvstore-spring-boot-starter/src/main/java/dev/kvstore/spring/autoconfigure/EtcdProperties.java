package dev.kvstore.spring.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The etcd settings of {@code kvstore.etcd.*} besides TLS: endpoints, timeouts and credentials. Bound as
 * {@link KVStoreProperties.Etcd}, which adds {@code kvstore.etcd.tls.*} and {@code kvstore.etcd.ssl.*}.
 */
public abstract class EtcdProperties {

    /**
     * Endpoints of the etcd cluster, e.g. "http://10.0.0.1:2379". When empty, one endpoint is built from host and
     * port; "https://" endpoints need kvstore.etcd.tls.ca-certificate.
     */
    private List<String> endpoints = new ArrayList<>();

    /** Host of the etcd server, used when no endpoints are set. */
    private String host = "127.0.0.1";

    /** Client port of the etcd server, used when no endpoints are set. */
    private int port = 2379;

    /** Bound of establishing the connection at startup (the store fails startup if etcd does not answer). */
    private Duration connectTimeout = Duration.ofSeconds(5);

    /** Deadline of every single etcd call; a wait consists of many calls and has its own timeout. */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /** User name for etcd authentication; none by default. */
    private @Nullable String user;

    /** Password for etcd authentication. */
    private @Nullable String password;

    public List<String> getEndpoints() {
        return this.endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
        this.endpoints = endpoints;
    }

    public @Nullable String getHost() {
        return this.host;
    }

    public void setHost(@Nullable String host) {
        this.host = host;
    }

    public int getPort() {
        return this.port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public Duration getConnectTimeout() {
        return this.connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getRequestTimeout() {
        return this.requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public @Nullable String getUser() {
        return this.user;
    }

    public void setUser(@Nullable String user) {
        this.user = user;
    }

    public @Nullable String getPassword() {
        return this.password;
    }

    public void setPassword(@Nullable String password) {
        this.password = password;
    }

}
