package dev.kvstore.tcp.server;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.ProtocolGeneration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCPStore master that speaks PyTorch's c10d TCPStore protocol, so real PyTorch ranks (1.13 through 2.10) can use
 * it as their store, including {@code torch.distributed.init_process_group(store=TCPStore(...))}.
 *
 * <p>One event-loop thread with non-blocking sockets serves every connection; thousands of idle ranks cost sockets,
 * not threads. Clients that open with VALIDATE (PyTorch 2.2+) get the modern opcode numbering; others get the
 * configured {@linkplain Builder#legacyProtocol legacy numbering}. WAIT blocks server-side until the keys exist;
 * connections have no idle timeout. A malformed request, a length past the limits, GET of a missing key or ADD to a
 * non-number closes that one connection (logged at WARN with the peer's address), never the server. What a client
 * can make the server hold is bounded: one request and a connection's pending waits by
 * {@linkplain Builder#maxRequestBytes maxRequestBytes}, the data by {@linkplain Builder#maxStoreBytes maxStoreBytes},
 * unread replies by pausing (16 MiB) and then closing (64 MiB) the client. TCPStore has no authentication: the bind
 * address ({@linkplain Builder#host default 127.0.0.1}) decides who can connect.
 *
 * <pre>{@code
 * try (TcpStoreServer server = TcpStoreServer.builder().host("0.0.0.0").port(29500).build().start()) {
 *     // torch ranks: TCPStore(MASTER_ADDR, 29500, world_size, is_master=False)
 * }
 * }</pre>
 *
 * Keys are stored exactly as they arrive: PyTorch clients prefix user keys with "/" themselves.
 */
public final class TcpStoreServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    /** Accept queue for many ranks connecting at once; the kernel caps it at net.core.somaxconn. */
    private static final int BACKLOG = 8192;

    private final String host;
    private final int requestedPort;
    private final ProtocolGeneration legacyGeneration;
    private final ServerLimits limits;

    private final Object lifecycle = new Object();
    private boolean started;
    private boolean closed;
    private volatile EventLoop loop;
    private Thread thread;
    private volatile int port = -1;

    private TcpStoreServer(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.legacyGeneration = builder.legacyGeneration;
        this.limits = new ServerLimits(builder.maxKeyBytes, builder.maxValueBytes, builder.maxKeysPerRequest,
                builder.maxRequestBytes, builder.maxStoreBytes);
    }

    /** @return a builder with the defaults: 127.0.0.1:29500, legacy numbering of PyTorch 1.13/2.0 */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts serving.
     *
     * @return this
     * @throws KVStoreConnectionException if the address/port cannot be bound (the message names host:port)
     * @throws IllegalStateException if already started or closed
     */
    public TcpStoreServer start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("TCPStore server " + host + ":" + requestedPort + " is closed");
            }
            if (started) {
                throw new IllegalStateException("TCPStore server " + host + ":" + port + " is already started");
            }
            ServerSocketChannel channel = bind();
            try {
                port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
                loop = new EventLoop(channel, host + ":" + port, limits, legacyGeneration);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new KVStoreConnectionException("cannot start the TCPStore server on " + host + ":"
                        + requestedPort + ": " + e.getMessage(), e);
            }
            thread = new Thread(loop, "kvstore-tcpstore-server-" + port);
            thread.setDaemon(true);
            thread.start();
            started = true;
            log.info("TCPStore server listening on {}:{} (clients without VALIDATE use the {} protocol)", host,
                    port, legacyGeneration);
            if (bindsEveryInterface(channel)) {
                log.info("TCPStore server on {}:{} listens on every interface; TCPStore has no authentication, so "
                        + "anyone who can reach this port can read, change and delete every key", host, port);
            }
            return this;
        }
    }

    private ServerSocketChannel bind() {
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(host, requestedPort), BACKLOG);
            return channel;
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            closeQuietly(channel);
            throw new KVStoreConnectionException("cannot bind the TCPStore server to " + host + ":" + requestedPort
                    + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    private static boolean bindsEveryInterface(ServerSocketChannel channel) {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getAddress().isAnyLocalAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the port listened on (the actual one when built with port 0); -1 before {@link #start()} */
    public int port() {
        return port;
    }

    /** @return the address bound to */
    public String host() {
        return host;
    }

    /** @return clients connected right now */
    public int connectionCount() {
        EventLoop current = loop;
        return current == null ? 0 : current.connectionCount();
    }

    /** @return keys stored, as GETNUMKEYS reports them (PyTorch's {@code init/} counter included; queues not) */
    public long keyCount() {
        EventLoop current = loop;
        return current == null ? 0 : current.store().keyCount();
    }

    /** WAITs not answered yet over all connections; for tests and diagnostics. */
    int waiterCount() {
        EventLoop current = loop;
        return current == null ? 0 : current.store().waiterCount();
    }

    /** Bytes of keys and values stored (what {@link Builder#maxStoreBytes} limits); for tests and diagnostics. */
    long storedBytes() {
        EventLoop current = loop;
        return current == null ? 0 : current.store().storedBytes();
    }

    /** Reply bytes queued for clients and not written yet; for tests and diagnostics. */
    long replyBacklogBytes() {
        EventLoop current = loop;
        return current == null ? 0 : current.replyBacklogBytes();
    }

    /** Stops accepting, closes every connection and waits for the server thread to end. Idempotent. */
    @Override
    public void close() {
        Thread toJoin;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                return;
            }
            loop.stop();
            toJoin = thread;
        }
        if (toJoin != Thread.currentThread()) {
            try {
                toJoin.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("TCPStore server on {}:{} stopped", host, port);
    }

    private static void closeQuietly(ServerSocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Never bound; nothing to release.
            }
        }
    }

    @Override
    public String toString() {
        return "TcpStoreServer[" + host + ":" + (port >= 0 ? port : requestedPort) + "]";
    }

    /** Settings of a {@link TcpStoreServer}. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 29500;
        private ProtocolGeneration legacyGeneration = ProtocolGeneration.LEGACY;
        private int maxKeyBytes = ServerLimits.DEFAULT_MAX_KEY_BYTES;
        private int maxValueBytes = ServerLimits.DEFAULT_MAX_VALUE_BYTES;
        private int maxKeysPerRequest = ServerLimits.DEFAULT_MAX_KEYS_PER_REQUEST;
        private long maxRequestBytes = ServerLimits.DEFAULT_MAX_REQUEST_BYTES;
        private long maxStoreBytes = ServerLimits.DEFAULT_MAX_STORE_BYTES;

        private Builder() {
        }

        /** The address to bind, e.g. "0.0.0.0" for every interface. Default "127.0.0.1". */
        public Builder host(String bindHost) {
            this.host = Objects.requireNonNull(bindHost, "bindHost");
            return this;
        }

        /** The port to listen on; 0 picks a free one (see {@link TcpStoreServer#port()}). Default 29500. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The opcode numbering for clients that open without VALIDATE: {@link ProtocolGeneration#LEGACY} (PyTorch
         * 1.13 and 2.0, the default) or {@link ProtocolGeneration#V2_1}. The two cannot be told apart from the bytes.
         */
        public Builder legacyProtocol(ProtocolGeneration generation) {
            Objects.requireNonNull(generation, "generation");
            if (generation == ProtocolGeneration.MODERN) {
                throw new IllegalArgumentException("MODERN clients announce themselves with VALIDATE; "
                        + "the legacy protocol must be LEGACY or V2_1");
            }
            this.legacyGeneration = generation;
            return this;
        }

        /** Longest key accepted, in bytes; longer closes the connection. Default 8 KiB. */
        public Builder maxKeyBytes(int n) {
            this.maxKeyBytes = n;
            return this;
        }

        /** Longest value accepted, in bytes; longer closes the connection. Default 8 MiB. */
        public Builder maxValueBytes(int n) {
            this.maxValueBytes = n;
            return this;
        }

        /** Most keys in one CHECK/WAIT/MULTI_GET/MULTI_SET; more closes the connection. Default 131072. */
        public Builder maxKeysPerRequest(int n) {
            this.maxKeysPerRequest = n;
            return this;
        }

        /**
         * Most bytes one request may carry (all its keys and values, length prefixes included), and most bytes one
         * connection's pending WAITs and watches may hold (their keys plus 64 bytes per key). More closes the
         * connection with a WARN. With the 16 MiB of unread replies after which a client is no longer read, this
         * bounds what one connection can make the server hold. Default 64 MiB.
         */
        public Builder maxRequestBytes(long n) {
            this.maxRequestBytes = n;
            return this;
        }

        /**
         * Most bytes of keys and values the store holds over all clients (queues included). A SET, APPEND,
         * MULTI_SET, ADD, COMPARE_SET or QUEUE_PUSH that would pass it stores nothing and closes its connection
         * with a WARN. Default 1 GiB.
         */
        public Builder maxStoreBytes(long n) {
            this.maxStoreBytes = n;
            return this;
        }

        /** @return a server, not yet started */
        public TcpStoreServer build() {
            return new TcpStoreServer(this);
        }
    }
}
