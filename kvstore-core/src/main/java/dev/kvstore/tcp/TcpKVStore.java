package dev.kvstore.tcp;

import dev.kvstore.api.AbstractKVStore;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@link dev.kvstore.api.KVStore} over PyTorch's c10d TCPStore protocol. As the master
 * ({@link Builder#master(boolean)}) it starts an embedded TCPStore server on {@code host:port} first, like
 * {@code torch.distributed.TCPStore(is_master=True)}; every instance then connects to the master as a client.
 *
 * <p>IMPLEMENTATION IN PROGRESS (issue 2): the builder is the public construction contract.
 */
public final class TcpKVStore extends AbstractKVStore {

    private TcpKVStore(Builder builder) {
        super(builder.namespace, builder.component);
        throw new UnsupportedOperationException("TcpKVStore is being implemented");
    }

    /** @return a builder with the defaults of {@code torch.distributed.TCPStore} and the seed's key layout */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link TcpKVStore}; every setter has a default. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 29500;
        private Integer worldSize;
        private boolean master;
        private Duration timeout = Duration.ofSeconds(300);
        private boolean waitForWorkers = true;
        private String namespace = "default";
        private String component = "tensorbus";
        private ProtocolGeneration protocol = ProtocolGeneration.MODERN;
        private ProtocolGeneration serverLegacyProtocol = ProtocolGeneration.LEGACY;

        private Builder() {
        }

        /** Host of the master: where clients connect, and the address the master's server binds to. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port of the master (default 29500, torchrun's default); 0 lets a master pick a free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Number of processes of the job, master included. When set, every instance registers on the
         * {@code init/} counter as PyTorch does, and a master with {@link #waitForWorkers(boolean)} waits for all.
         * {@code null} (the default) registers nothing.
         */
        public Builder worldSize(Integer worldSize) {
            if (worldSize != null && worldSize < 1) {
                throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
            }
            this.worldSize = worldSize;
            return this;
        }

        /** Whether this instance hosts the TCPStore server (rank 0). */
        public Builder master(boolean master) {
            this.master = master;
            return this;
        }

        /** Bound of connecting, of waiting for workers, and of each request (default 300 s, as PyTorch). */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Whether the master blocks at construction until {@code worldSize} processes registered (default true). */
        public Builder waitForWorkers(boolean waitForWorkers) {
            this.waitForWorkers = waitForWorkers;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder component(String component) {
            this.component = component;
            return this;
        }

        /** The protocol generation of the master this client talks to (default {@link ProtocolGeneration#MODERN}). */
        public Builder protocol(ProtocolGeneration protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * For a master: the numbering its server uses for clients that send no VALIDATE handshake
         * ({@link ProtocolGeneration#LEGACY} for torch 1.13/2.0, the default, or {@link ProtocolGeneration#V2_1}).
         */
        public Builder serverLegacyProtocol(ProtocolGeneration serverLegacyProtocol) {
            if (serverLegacyProtocol == ProtocolGeneration.MODERN) {
                throw new IllegalArgumentException("serverLegacyProtocol must be LEGACY or V2_1");
            }
            this.serverLegacyProtocol = Objects.requireNonNull(serverLegacyProtocol, "serverLegacyProtocol");
            return this;
        }

        /**
         * Connects (starting the embedded server first if this is the master) and, where configured, registers
         * and waits for workers.
         *
         * @throws dev.kvstore.api.KVStoreTimeoutException if the master or the workers did not show up in time
         * @throws dev.kvstore.api.KVStoreConnectionException if the master cannot be reached or its port is taken
         */
        public TcpKVStore build() {
            return new TcpKVStore(this);
        }
    }
}
