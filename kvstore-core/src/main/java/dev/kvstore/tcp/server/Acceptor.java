package dev.kvstore.tcp.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the server's listening socket ({@link #bind}) and accepts clients for the {@link EventLoop}, on its thread:
 * configures each new socket, registers it with the loop's selector and hands it to the loop as a {@link Connection}.
 * When accepting fails (say, out of file descriptors) it pauses accepting for 100 ms instead of spinning; when setting
 * up one client fails, that client is refused and the others are served.
 */
final class Acceptor {

    /** Makes the loop's {@link Connection} of an accepted socket, already registered for reading. */
    @FunctionalInterface
    interface Registrar {
        Connection register(SocketChannel channel, SelectionKey key, String peer);
    }

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Prepared in advance: when memory has run out, building a description can fail. */
    private static final String ACCEPT_FAILED = "unexpected error while accepting a client";

    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final SelectionKey acceptKey;
    private final String address;
    private final ServerCounters counters;
    private final Registrar registrar;
    private long pausedUntil;

    /**
     * Registers the listening socket with the selector.
     *
     * @param address the server's {@code host:port}, for log lines
     */
    Acceptor(Selector selector, ServerSocketChannel serverChannel, String address, ServerCounters counters,
            Registrar registrar) throws IOException {
        this.selector = selector;
        this.serverChannel = serverChannel;
        this.address = address;
        this.counters = counters;
        this.registrar = registrar;
        serverChannel.configureBlocking(false);
        this.acceptKey = serverChannel.register(selector, SelectionKey.OP_ACCEPT);
    }

    /** @return whether the selected key is the listening socket's */
    boolean owns(SelectionKey key) {
        return key == acceptKey;
    }

    /** Accepts every client waiting now. */
    void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = serverChannel.accept();
            } catch (IOException e) {
                log.warn("TCPStore server on {} cannot accept a connection ({}); pausing accepts for 100 ms", address,
                        e.toString());
                acceptKey.interestOps(0);
                pausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                return;
            }
            if (channel == null) {
                return;
            }
            register(channel);
        }
    }

    private void register(SocketChannel channel) {
        String peer = "unknown peer";
        try {
            peer = describe(channel.getRemoteAddress());
            channel.configureBlocking(false);
            // Replies are tiny and latency-bound.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            key.attach(registrar.register(channel, key, peer));
        } catch (IOException e) {
            log.debug("TCPStore client {} left while being accepted: {}", peer, e.toString());
            closeQuietly(channel);
        } catch (Throwable e) {
            // E.g. out of memory for the new connection's objects: refuse this one, keep serving the others.
            closeQuietly(channel);
            counters.refused(Refusal.FAILURE);
            counters.incident(ACCEPT_FAILED);
            try {
                counters.incident("unexpected error while accepting client " + peer + ": " + e);
                log.error("TCPStore server on {} refused client {} after an unexpected error while accepting it",
                        address, peer, e);
            } catch (Throwable loggingFailed) {
                // The client is refused, which is what matters.
            }
        } finally {
            // Counted once the client is a connection or already closed, so an observer that sees the count
            // and then the connection count sees this client in one of them.
            counters.accepted();
        }
    }

    /** Accepts again once a pause after a failed accept is over. */
    void resumeIfDue(long now) {
        if (pausedUntil != 0 && now - pausedUntil >= 0) {
            pausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /** @return nanoseconds until accepting resumes, {@link Long#MAX_VALUE} while it is not paused */
    long nanosUntilResume(long now) {
        return pausedUntil == 0 ? Long.MAX_VALUE : pausedUntil - now;
    }

    /**
     * Binds the server's listening socket.
     *
     * @param backlog the accept queue's length (for many ranks connecting at once); the kernel caps it at
     *     {@code net.core.somaxconn}
     * @throws TcpStoreServerException naming {@code host:port} if it cannot be bound (cause: the
     *     {@link java.net.BindException} or other failure)
     */
    static ServerSocketChannel bind(String host, int port, int backlog) {
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(host, port), backlog);
            return channel;
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            closeQuietly(channel);
            throw new TcpStoreServerException("cannot bind the TCPStore server to " + host + ":" + port
                    + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    /** @return whether the socket listens on every interface (0.0.0.0 or ::) */
    static boolean bindsEveryInterface(ServerSocketChannel channel) {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getAddress().isAnyLocalAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Closes a listening socket, if any, ignoring failures: nothing is left to release. */
    static void closeQuietly(@Nullable ServerSocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Never bound; nothing to release.
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Already failed.
        }
    }

    /** @return a client's address as {@code ip:port} */
    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
