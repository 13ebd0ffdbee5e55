package dev.kvstore.spring.autoconfigure;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.validation.Errors;

/**
 * The TCPStore settings of {@code kvstore.tcp.*} besides the embedded server's limits: where the master is, the world
 * size, the timeouts and the protocol. Bound as {@link KVStoreProperties.Tcp}, which adds {@code kvstore.tcp.server.*}.
 */
public abstract class TcpStoreProperties {

    /**
     * Host of the TCPStore master: where clients connect and the address the master binds to. Defaults to the
     * MASTER_ADDR environment variable, else 127.0.0.1.
     */
    private @Nullable String host;

    /**
     * Port of the TCPStore master. Defaults to the MASTER_PORT environment variable, else 29500; 0 lets a master
     * pick a free port.
     */
    private @Nullable Integer port;

    /**
     * Number of processes in the job, master included. Defaults to the WORLD_SIZE environment variable, else
     * unset: nobody registers and the master waits for no workers.
     */
    private @Nullable Integer worldSize;

    /** Whether this process hosts the TCPStore master. Defaults to true on rank 0, false elsewhere. */
    private @Nullable Boolean master;

    /** Default of connect-timeout, equal to the library's. */
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(300);

    /** Default of request-timeout, equal to the library's. */
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Default of worker-wait-timeout, equal to the library's. */
    static final Duration DEFAULT_WORKER_WAIT_TIMEOUT = Duration.ofSeconds(300);

    /**
     * Bound of connecting to the master at startup, retried with backoff while it refuses connections (it may
     * start later).
     */
    private Duration connectTimeout = Duration.ofSeconds(300);

    /**
     * Bound of one request: its reply and, with the master gone, reconnecting for it. Waits and barriers have
     * their own timeouts.
     */
    private Duration requestTimeout = Duration.ofSeconds(30);

    /** Bound of a master's rendezvous at startup: all world-size processes registered. */
    private Duration workerWaitTimeout = Duration.ofSeconds(300);

    /** Deprecated single timeout: applies to each of the three timeouts left at its default. */
    private @Nullable Duration timeout;

    /**
     * Whether the master blocks at startup until world-size processes have registered (only with a world size).
     */
    private boolean waitForWorkers = true;

    /**
     * Protocol generation of the master this client talks to: "auto" (detect it when connecting, without
     * disturbing the master), "modern" (PyTorch 2.2 and later, and the Java master), "v2_1" (PyTorch 2.1) or
     * "legacy" (PyTorch 1.13 and 2.0). An explicit generation is checked the same way: a wrong one fails at
     * startup.
     */
    private TcpProtocol protocol = TcpProtocol.AUTO;

    /**
     * For a master: the opcode numbering for clients that send no handshake, "legacy" (PyTorch 1.13 and 2.0) or
     * "v2-1" (PyTorch 2.1). Clients of PyTorch 2.2 and later are recognized by their handshake.
     */
    private TcpProtocol serverLegacyProtocol = TcpProtocol.LEGACY;

    public @Nullable String getHost() {
        return this.host;
    }

    public void setHost(@Nullable String host) {
        this.host = host;
    }

    public @Nullable Integer getPort() {
        return this.port;
    }

    public void setPort(@Nullable Integer port) {
        this.port = port;
    }

    public @Nullable Integer getWorldSize() {
        return this.worldSize;
    }

    public void setWorldSize(@Nullable Integer worldSize) {
        this.worldSize = worldSize;
    }

    public @Nullable Boolean getMaster() {
        return this.master;
    }

    public void setMaster(@Nullable Boolean master) {
        this.master = master;
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

    public Duration getWorkerWaitTimeout() {
        return this.workerWaitTimeout;
    }

    public void setWorkerWaitTimeout(Duration workerWaitTimeout) {
        this.workerWaitTimeout = workerWaitTimeout;
    }

    /** @deprecated each timeout means one thing: connect-timeout, request-timeout, worker-wait-timeout */
    @Deprecated
    @DeprecatedConfigurationProperty(reason = "One timeout bounded connecting, the rendezvous and every request; "
            + "it now applies to each of kvstore.tcp.connect-timeout, request-timeout and worker-wait-timeout "
            + "that is left at its default", replacement = "kvstore.tcp.request-timeout", since = "0.1.0")
    public @Nullable Duration getTimeout() {
        return this.timeout;
    }

    /** @deprecated see {@link #getTimeout()} */
    @Deprecated
    public void setTimeout(@Nullable Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * @return the timeout to use: the deprecated {@code kvstore.tcp.timeout} where set and the value is at its
     *     default, else the value
     */
    Duration effective(Duration value, Duration defaultValue) {
        return (this.timeout != null && defaultValue.equals(value)) ? this.timeout : value;
    }

    public boolean isWaitForWorkers() {
        return this.waitForWorkers;
    }

    public void setWaitForWorkers(boolean waitForWorkers) {
        this.waitForWorkers = waitForWorkers;
    }

    public TcpProtocol getProtocol() {
        return this.protocol;
    }

    public void setProtocol(TcpProtocol protocol) {
        this.protocol = protocol;
    }

    public TcpProtocol getServerLegacyProtocol() {
        return this.serverLegacyProtocol;
    }

    public void setServerLegacyProtocol(TcpProtocol serverLegacyProtocol) {
        this.serverLegacyProtocol = serverLegacyProtocol;
    }

    /** Only what no builder checks: the builders validate the rest when the store is configured. */
    void validate(Errors errors) {
        if (this.host != null && this.host.isBlank()) {
            KVStoreProperties.reject(errors, "tcp.host", "required", "must not be empty");
        }
    }

}
