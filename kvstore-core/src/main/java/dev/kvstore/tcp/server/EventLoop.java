package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.Generation;
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
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's single thread: accepts connections, reads and parses requests, serves them against the store, and
 * writes replies, all with one {@link Selector}. Nothing here blocks, so one thread serves any number of ranks.
 *
 * <p>Whatever goes wrong while serving one connection (bad input, a limit, any {@link Throwable} including
 * {@link OutOfMemoryError}) closes that connection and frees what it held; the loop goes on. If the loop itself
 * fails it closes its connections (not the listening socket) and ends with {@link #failure()} set; the server's
 * supervisor then runs a new loop on the same store and socket.
 */
final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Waits pending this long are reported at DEBUG on every tick. */
    private static final long LONG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String LEFT_MID_REQUEST = "disconnected mid-request";

    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final SelectionKey acceptKey;
    private final String address;
    private final ServerLimits limits;
    private final Generation legacyGeneration;
    private final StoreState store;
    private final RequestHandler handler;
    private final ServerCounters counters;
    private final LoopHooks hooks;
    private final HostileConnectionLog hostileLog;
    private final StallLog stallLog;
    private final LongAdder replyBacklog = new LongAdder();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Set<Connection> connections = new HashSet<>();
    /** Work other threads hand to the loop (snapshots): the loop's state is only ever touched by its own thread. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<Connection> toFlush = new LinkedHashSet<>();
    /** Connections in the middle of a request: the only ones that hold pending bytes or can time out. */
    private final Set<Connection> partial = new LinkedHashSet<>();
    private final long partialCheckNanos;
    private volatile boolean stopRequested;
    private volatile Throwable failure;
    private volatile int connectionCount;
    /** Bytes held by partly received requests over all connections: what {@code maxPendingBytes} bounds. */
    private long pendingBytes;
    private long acceptPausedUntil;
    private long nextWaitReport = System.nanoTime() + LONG_WAIT_NANOS;
    private long nextPartialCheck;

    EventLoop(ServerSocketChannel serverChannel, String address, ServerLimits limits,
            Generation legacyGeneration, StoreState store, RequestHandler handler, ServerCounters counters,
            LoopHooks hooks, StallLog stallLog) throws IOException {
        this.serverChannel = serverChannel;
        this.address = address;
        this.limits = limits;
        this.legacyGeneration = legacyGeneration;
        this.store = store;
        this.counters = counters;
        this.hooks = hooks;
        this.handler = handler;
        this.hostileLog = new HostileConnectionLog(log, address);
        this.stallLog = stallLog;
        // A stalled request is noticed within a quarter of its timeout (and within a second).
        this.partialCheckNanos = Math.max(1, Math.min(limits.partialRequestTimeoutNanos() / 4,
                TimeUnit.SECONDS.toNanos(1)));
        this.selector = Selector.open();
        try {
            serverChannel.configureBlocking(false);
            this.acceptKey = serverChannel.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        handler.attach(this);
    }

    int connectionCount() {
        return connectionCount;
    }

    /** @return reply bytes queued and not yet written, over all connections */
    long replyBacklogBytes() {
        return replyBacklog.sum();
    }

    /** @return what ended the loop other than {@link #stop()}; {@code null} while it runs or after a stop */
    Throwable failure() {
        return failure;
    }

    /** Wakes the loop from its select, e.g. so that it notices a test hook at once. */
    void wakeup() {
        selector.wakeup();
    }

    /**
     * Runs the task on the loop thread soon (after the current batch of events). Tasks queued when the loop ends
     * never run: callers wait with a bound.
     */
    void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** @return the open connections; only for tasks running on the loop thread */
    Set<Connection> connections() {
        return java.util.Collections.unmodifiableSet(connections);
    }

    /**
     * Asks the loop to stop; it closes every connection, the listening socket and the selector on its way out.
     */
    void stop() {
        stopRequested = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!stopRequested) {
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
                runTasks();
                flushAll(); // replies the tasks queued (a gateway's etcd answers)
                long now = System.nanoTime();
                resumeAcceptingIfDue(now);
                closeStalledRequestsIfDue(now);
                hostileLog.reportIfDue(now);
                reportLongWaitsIfDue(now);
                stallLog.reportIfDue(now, store);
                // Published once the budget is enforced: readers never see the moment between a read and its close.
                counters.pendingBytes(pendingBytes);
                hooks.tick();
            }
        } catch (ClosedSelectorException e) {
            if (!stopRequested) {
                failure = e;
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            counters.serving(false);
            shutDown();
        }
    }

    /** A failing task (a defect in it) must not take the loop down: it is logged and the loop goes on. */
    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("TCPStore server on {}: a task on the event loop failed", address, e);
            }
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
            closeQuietly(channel);
        } catch (Throwable e) {
            // E.g. out of memory for the new connection's objects: refuse this one, keep serving the others.
            closeQuietly(channel);
            counters.refused(Refusal.FAILURE);
            counters.incident("unexpected error while accepting client " + peer + ": " + e);
            try {
                log.error("TCPStore server on {} refused client {} after an unexpected error while accepting it",
                        address, peer, e);
            } catch (Throwable loggingFailed) {
                // The client is refused, which is what matters.
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

    private void serve(SelectionKey key) {
        Connection connection = (Connection) key.attachment();
        try {
            hooks.beforeServing(connection.peer());
            if (key.isValid() && key.isWritable()) {
                connection.flush();
            }
            if (key.isValid() && key.isReadable()) {
                read(connection);
                enforcePendingBudget();
            }
        } catch (IOException e) {
            log.debug("TCPStore client {} connection failed: {}", connection.peer(), e.toString());
            close(connection);
        } catch (Throwable e) {
            contain(connection, e);
        }
    }

    private void read(Connection connection) throws IOException {
        readBuffer.clear();
        int read = connection.channel().read(readBuffer);
        if (read < 0) {
            if (handler.repliesDue(connection)) {
                connection.holdReads(true); // half-closed: its replies still go out, then endOfInput closes it
            } else {
                disconnected(connection);
            }
            return;
        }
        if (read > 0) {
            connection.lastReadNanos = System.nanoTime();
        }
        readBuffer.flip();
        RequestParser parser = connection.parser();
        long heldBefore = parser.heldBytes();
        ProtocolViolation violation = null;
        try {
            parser.feed(readBuffer, request -> {
                connection.requestsServed++;
                handler.handle(connection, request);
            });
        } catch (ProtocolViolation e) {
            violation = e;
        } finally {
            addPending(parser.heldBytes() - heldBefore);
        }
        if (violation != null) {
            refuse(connection, violation.reason(), violation.getMessage());
            return;
        }
        if (parser.inTheMiddleOfARequest()) {
            partial.add(connection);
        } else if (!partial.isEmpty()) {
            partial.remove(connection);
        }
    }

    private void addPending(long delta) {
        pendingBytes += delta;
    }

    /** Past the budget, the connection holding the most goes: the one most likely to be the attacker. */
    private void enforcePendingBudget() {
        while (pendingBytes > limits.maxPendingBytes()) {
            Connection largest = null;
            for (Connection candidate : partial) {
                if (largest == null || candidate.parser().heldBytes() > largest.parser().heldBytes()) {
                    largest = candidate;
                }
            }
            if (largest == null) {
                return;
            }
            refuse(largest, Refusal.PENDING_BUDGET, "it held " + largest.parser().heldBytes()
                    + " bytes of a partly received " + largest.parser().partialCommand()
                    + " request, the most of all, when partly received requests held " + pendingBytes
                    + " bytes, past the limit of " + limits.maxPendingBytes()
                    + " (maxPendingBytes, kvstore.tcp.server.max-pending-size)");
        }
    }

    /** A request that stopped arriving holds its connection's buffers; idle connections between requests stay. */
    private void closeStalledRequestsIfDue(long now) {
        if (partial.isEmpty() || now - nextPartialCheck < 0) {
            return;
        }
        nextPartialCheck = now + partialCheckNanos;
        long timeout = limits.partialRequestTimeoutNanos();
        for (Connection connection : partial.toArray(new Connection[0])) {
            if (now - connection.lastReadNanos < timeout) {
                continue;
            }
            if (!connection.isReading()) {
                connection.lastReadNanos = now; // paused by us (its replies are unread), not stalled by it
                continue;
            }
            refuse(connection, Refusal.PARTIAL_REQUEST_TIMEOUT, "it sent part of a "
                    + connection.parser().partialCommand() + " request and then nothing for "
                    + Duration.ofNanos(timeout) + " (partialRequestTimeout, "
                    + "kvstore.tcp.server.partial-request-timeout)");
        }
    }

    /**
     * Closes a connection the server will not serve any more. A write dropped because the store is full is logged
     * on its own (data was lost); the misbehaviour of other clients goes to the aggregated log.
     */
    void refuse(Connection connection, Refusal reason, String why) {
        counters.refused(reason);
        if (reason == Refusal.STORE_FULL) {
            log.warn("TCPStore server on {} dropped a write of client {} and closes its connection: {}. A SET has "
                    + "no reply, so the client learns of the loss only by the closed connection", address,
                    connection.peer(), why);
        } else {
            hostileLog.record(reason.label(), connection.peer(), why);
        }
        flushBeforeClosing(connection);
        close(connection);
    }

    /**
     * Any error while serving one connection (a defect, or an {@link OutOfMemoryError} there) costs that
     * connection, not the server and every rank on it. What the connection held is freed before anything is logged.
     */
    private void contain(Connection connection, Throwable error) {
        counters.refused(Refusal.FAILURE);
        close(connection);
        counters.incident("unexpected error while serving client " + connection.peer() + ": " + error);
        try {
            log.error("TCPStore server on {} closed the connection of client {} after an unexpected error; the "
                    + "server goes on", address, connection.peer(), error);
        } catch (Throwable loggingFailed) {
            // Out of memory even for the log line: the connection is closed, which is what matters.
        }
    }

    /** A client that closed its side while replies were due got them (as far as the socket takes them now). */
    void endOfInput(Connection connection) {
        if (!connection.isOpen()) {
            return;
        }
        flushBeforeClosing(connection);
        disconnected(connection);
    }

    private void disconnected(Connection connection) {
        RequestParser parser = connection.parser();
        if (parser.inTheMiddleOfARequest()) {
            hostileLog.record(LEFT_MID_REQUEST, connection.peer(), "it disconnected in the middle of a "
                    + (parser.partialCommand() == null ? "first" : parser.partialCommand()) + " request");
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

    /** Closes the connection and frees everything it held: its partial request, its waits and watches, replies. */
    private void close(Connection connection) {
        addPending(-connection.parser().heldBytes());
        connection.parser().discard();
        partial.remove(connection);
        store.forget(connection);
        handler.forget(connection);
        connection.close();
        connections.remove(connection);
        toFlush.remove(connection);
        connectionCount = connections.size(); // last: observers of the count see the rest done
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
                refuse(connection, Refusal.UNREAD_REPLIES, "it left more than " + (Connection.MAX_BACKLOG_BYTES >> 20)
                        + " MiB of replies unread and more were due (a client that does not read its replies or "
                        + "watch notifications)");
                continue;
            }
            try {
                connection.flush();
            } catch (IOException e) {
                log.debug("TCPStore client {} cannot be written to: {}", connection.peer(), e.toString());
                close(connection);
            } catch (Throwable e) {
                contain(connection, e);
            }
        }
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long wait = nextWaitReport - now;
        if (acceptPausedUntil != 0) {
            wait = Math.min(wait, acceptPausedUntil - now);
        }
        if (!partial.isEmpty()) {
            wait = Math.min(wait, nextPartialCheck - now);
        }
        wait = Math.min(wait, hostileLog.nanosUntilDue(now));
        wait = Math.min(wait, stallLog.nanosUntilDue(now));
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait));
    }

    /**
     * A DEBUG summary of the waits pending 30 s and more; the {@link StallLog} reports stalled keys one by one at INFO.
     */
    private void reportLongWaitsIfDue(long now) {
        if (now - nextWaitReport < 0) {
            return;
        }
        nextWaitReport = now + LONG_WAIT_NANOS;
        if (store.waiterCount() == 0) {
            return;
        }
        if (log.isDebugEnabled()) {
            String summary = store.describeLongWaits(now, LONG_WAIT_NANOS);
            if (summary != null) {
                log.debug("TCPStore server on {}: {}", address, summary);
            }
        }
    }

    private void resumeAcceptingIfDue(long now) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /**
     * Closes every connection (their waits and watches leave the store) and the selector. The listening socket is
     * closed only on {@link #stop()}: after a failure the next loop serves on it, so the port never closes.
     */
    private void shutDown() {
        for (Connection connection : connections.toArray(new Connection[0])) {
            try {
                close(connection);
            } catch (Throwable e) {
                log.debug("Closing a TCPStore connection at shutdown failed: {}", e.toString());
            }
        }
        connections.clear();
        toFlush.clear();
        partial.clear();
        connectionCount = 0;
        pendingBytes = 0;
        counters.pendingBytes(0);
        if (stopRequested) {
            try {
                serverChannel.close();
            } catch (IOException e) {
                log.debug("Closing the TCPStore listening socket on {} failed: {}", address, e.toString());
            }
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
