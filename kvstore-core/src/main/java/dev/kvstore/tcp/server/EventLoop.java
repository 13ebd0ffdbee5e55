package dev.kvstore.tcp.server;

import dev.kvstore.tcp.ProtocolGeneration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's single thread: accepts connections, reads and parses requests, serves them against the store it owns,
 * and writes replies, all with one {@link Selector}. Nothing here blocks, so one thread serves any number of ranks.
 */
final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Waits pending this long are reported at DEBUG on every tick. */
    private static final long LONG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Waits pending this long are reported at INFO, at most once per this period. */
    private static final long VERY_LONG_WAIT_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final SelectionKey acceptKey;
    private final String address;
    private final ServerLimits limits;
    private final ProtocolGeneration legacyGeneration;
    private final StoreState store;
    private final CommandHandler handler;
    private final LongAdder replyBacklog = new LongAdder();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Set<Connection> connections = new HashSet<>();
    private final Set<Connection> toFlush = new LinkedHashSet<>();
    private volatile boolean running = true;
    private volatile int connectionCount;
    private long acceptPausedUntil;
    private long nextWaitReport = System.nanoTime() + LONG_WAIT_NANOS;
    private long nextInfoWaitReport = System.nanoTime() + VERY_LONG_WAIT_NANOS;

    EventLoop(ServerSocketChannel serverChannel, String address, ServerLimits limits,
            ProtocolGeneration legacyGeneration) throws IOException {
        this.serverChannel = serverChannel;
        this.address = address;
        this.limits = limits;
        this.legacyGeneration = legacyGeneration;
        this.store = new StoreState(limits);
        this.handler = new CommandHandler(store);
        this.selector = Selector.open();
        serverChannel.configureBlocking(false);
        this.acceptKey = serverChannel.register(selector, SelectionKey.OP_ACCEPT);
    }

    int connectionCount() {
        return connectionCount;
    }

    StoreState store() {
        return store;
    }

    /** @return reply bytes queued and not yet written, over all connections */
    long replyBacklogBytes() {
        return replyBacklog.sum();
    }

    /** Asks the loop to stop; it closes every connection, the listening socket and the selector on its way out. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                selector.select(selectTimeoutMillis());
                Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
                while (selected.hasNext()) {
                    SelectionKey key = selected.next();
                    selected.remove();
                    if (key == acceptKey) {
                        acceptAll();
                    } else {
                        serve(key);
                        // Replies (and the wake-ups a request caused) go out before the next client is served:
                        // holding them to the end of the batch would add the whole batch to every reply's latency.
                        flushAll();
                    }
                }
                resumeAcceptingIfDue();
                reportLongWaitsIfDue();
            }
        } catch (ClosedSelectorException e) {
            // Closed under us: only at shutdown.
        } catch (IOException | RuntimeException | Error e) {
            log.error("TCPStore server on {} stopped by an unexpected error; all connections are closed", address, e);
        } finally {
            shutDown();
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel channel;
            try {
                channel = serverChannel.accept();
            } catch (IOException e) {
                log.warn("TCPStore server on {} cannot accept a connection ({}); pausing accepts for 100 ms", address,
                        e.toString());
                acceptKey.interestOps(0);
                acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
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
            Connection connection = new Connection(channel, key, peer,
                    new RequestParser(limits, legacyGeneration), toFlush::add, replyBacklog);
            key.attach(connection);
            connections.add(connection);
            connectionCount = connections.size();
            log.debug("TCPStore client {} connected ({} connections)", peer, connectionCount);
        } catch (IOException e) {
            log.debug("TCPStore client {} left while being accepted: {}", peer, e.toString());
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failed.
            }
        }
    }

    private void serve(SelectionKey key) {
        Connection connection = (Connection) key.attachment();
        try {
            if (key.isValid() && key.isWritable()) {
                connection.flush();
            }
            if (key.isValid() && key.isReadable()) {
                read(connection);
            }
        } catch (IOException e) {
            log.debug("TCPStore client {} connection failed: {}", connection.peer(), e.toString());
            close(connection);
        }
    }

    private void read(Connection connection) throws IOException {
        readBuffer.clear();
        int read = connection.channel().read(readBuffer);
        if (read < 0) {
            disconnected(connection);
            return;
        }
        readBuffer.flip();
        try {
            connection.parser().feed(readBuffer, request -> handler.handle(connection, request));
        } catch (ProtocolViolation violation) {
            log.warn("Closing TCPStore connection from {}: {}", connection.peer(), violation.getMessage());
            flushBeforeClosing(connection);
            close(connection);
        } catch (RuntimeException bug) {
            // A defect must cost one connection, not the server and every rank on it.
            log.error("Closing TCPStore connection from {} after an unexpected error", connection.peer(), bug);
            close(connection);
        }
    }

    private void disconnected(Connection connection) {
        RequestParser parser = connection.parser();
        if (parser.inTheMiddleOfARequest()) {
            log.warn("TCPStore client {} disconnected in the middle of a {} request", connection.peer(),
                    parser.partialCommand() == null ? "first" : parser.partialCommand());
        }
        int waits = connection.waits.size();
        close(connection);
        log.debug("TCPStore client {} disconnected{} ({} connections)", connection.peer(),
                waits == 0 ? "" : ", its " + waits + " pending wait(s) cleared", connectionCount);
    }

    /** Replies to the requests before the bad one still go out, as far as the socket takes them now. */
    private static void flushBeforeClosing(Connection connection) {
        try {
            connection.flush();
        } catch (IOException ignored) {
            // The connection is closed next anyway.
        }
    }

    private void close(Connection connection) {
        store.forget(connection);
        connection.close();
        connections.remove(connection);
        toFlush.remove(connection);
        connectionCount = connections.size();
    }

    private void flushAll() {
        if (toFlush.isEmpty()) {
            return;
        }
        Connection[] pending = toFlush.toArray(new Connection[0]);
        toFlush.clear();
        for (Connection connection : pending) {
            if (!connection.isOpen()) {
                continue;
            }
            if (connection.overflowed()) {
                log.warn("Closing TCPStore connection from {}: it left more than {} MiB of replies unread and more "
                        + "were due (a client that does not read its replies or watch notifications)",
                        connection.peer(), Connection.MAX_BACKLOG_BYTES >> 20);
                close(connection);
                continue;
            }
            try {
                connection.flush();
            } catch (IOException e) {
                log.debug("TCPStore client {} cannot be written to: {}", connection.peer(), e.toString());
                close(connection);
            }
        }
    }

    private long selectTimeoutMillis() {
        long wakeAt = acceptPausedUntil == 0 ? nextWaitReport : Math.min(nextWaitReport, acceptPausedUntil);
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wakeAt - System.nanoTime()));
    }

    /** Stuck rendezvous are easier to diagnose when the server says what its clients still wait for. */
    private void reportLongWaitsIfDue() {
        long now = System.nanoTime();
        if (now - nextWaitReport < 0) {
            return;
        }
        nextWaitReport = now + LONG_WAIT_NANOS;
        if (store.waiterCount() == 0) {
            return;
        }
        if (now - nextInfoWaitReport >= 0 && log.isInfoEnabled()) {
            String veryLong = store.describeLongWaits(now, VERY_LONG_WAIT_NANOS);
            if (veryLong != null) {
                nextInfoWaitReport = now + VERY_LONG_WAIT_NANOS;
                log.info("TCPStore server on {}: {}", address, veryLong);
                return;
            }
        }
        if (log.isDebugEnabled()) {
            String summary = store.describeLongWaits(now, LONG_WAIT_NANOS);
            if (summary != null) {
                log.debug("TCPStore server on {}: {}", address, summary);
            }
        }
    }

    private void resumeAcceptingIfDue() {
        if (acceptPausedUntil != 0 && System.nanoTime() - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void shutDown() {
        running = false;
        for (Connection connection : connections) {
            store.forget(connection);
            connection.close();
        }
        connections.clear();
        toFlush.clear();
        connectionCount = 0;
        try {
            serverChannel.close();
        } catch (IOException e) {
            log.debug("Closing the TCPStore listening socket on {} failed: {}", address, e.toString());
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("Closing the TCPStore selector failed: {}", e.toString());
        }
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
