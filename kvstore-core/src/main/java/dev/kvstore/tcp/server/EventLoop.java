package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.TcpProtocol;
import java.io.IOException;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
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
final class EventLoop implements Runnable, Connection.Loop {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;
    private static final int EMERGENCY_RESERVE_BYTES = 256 * 1024;
    private static final String LEFT_MID_REQUEST = "disconnected mid-request";
    /** Prepared in advance: when memory has run out, building a description can fail. */
    private static final String SERVING_FAILED = "unexpected error while serving a client";

    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final Acceptor acceptor;
    private final String address;
    private final ServerLimits limits;
    private final TcpProtocol legacyGeneration;
    private final KeyWaiters waiters;
    private final CommandHandler handler;
    private final ServerCounters counters;
    private final LoopHooks hooks;
    private final MemoryBudget memory;
    private final HostileConnectionLog hostileLog;
    private final StallLog stallLog;
    private final LongWaitReport longWaits;
    private final LongAdder replyBacklog = new LongAdder();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    /** Replies are copied here and written from here: one direct buffer however many parts and connections. */
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    private final Set<Connection> connections = new HashSet<>();
    /** Work other threads hand to the loop (snapshots): the loop's state is only ever touched by its own thread. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<Connection> toFlush = new LinkedHashSet<>();
    private final PartialRequests partials;
    /**
     * Heap given back when the loop dies: after an {@link OutOfMemoryError} closing the connections needs a little
     * memory, and clients must see their connections closed rather than open and unanswered.
     */
    @SuppressWarnings("unused")
    private byte @Nullable [] emergencyReserve = new byte[EMERGENCY_RESERVE_BYTES];
    private volatile boolean stopRequested;
    private volatile @Nullable Throwable failure;
    private volatile int connectionCount;

    EventLoop(ServerSocketChannel serverChannel, String address, ServerLimits limits,
            TcpProtocol legacyGeneration, KeyWaiters waiters, CommandHandler handler, ServerCounters counters,
            LoopHooks hooks, StallLog stallLog, MemoryBudget memory) throws IOException {
        this.serverChannel = serverChannel;
        this.address = address;
        this.limits = limits;
        this.legacyGeneration = legacyGeneration;
        this.waiters = waiters;
        this.counters = counters;
        this.hooks = hooks;
        this.memory = memory;
        this.handler = handler;
        this.hostileLog = new HostileConnectionLog(log, address);
        this.stallLog = stallLog;
        this.longWaits = new LongWaitReport(address);
        this.partials = new PartialRequests(limits, memory, this::refuse);
        this.selector = Selector.open();
        try {
            this.acceptor = new Acceptor(selector, serverChannel, address, counters, this::register);
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
    @Nullable Throwable failure() {
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
                    if (acceptor.owns(key)) {
                        acceptor.acceptAll();
                    } else {
                        serve(key);
                        // Replies (and the wake-ups a request caused) go out before the next client is served:
                        // holding them to the end of the batch would add the whole batch to every reply's latency.
                        flushAll();
                    }
                }
                runTasks();
                flushAll(); // replies the tasks queued (the answers of a store outside the process)
                long now = System.nanoTime();
                acceptor.resumeIfDue(now);
                partials.closeStalledIfDue(now);
                hostileLog.reportIfDue(now);
                longWaits.reportIfDue(now, waiters);
                stallLog.reportIfDue(now, waiters);
                // Published once the budget is enforced: readers never see the moment between a read and its close.
                counters.pendingBytes(partials.pendingBytes());
                hooks.tick();
            }
        } catch (ClosedSelectorException e) {
            if (!stopRequested) {
                failure = e;
            }
        } catch (Throwable e) {
            emergencyReserve = null; // room to close the connections, should the heap be exhausted
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

    /** A new client: the loop owns its connection from here on. */
    private Connection register(SocketChannel channel, SelectionKey key, String peer) {
        Connection connection = new Connection(channel, key, peer, new RequestParser(limits, legacyGeneration), this);
        connections.add(connection);
        connectionCount = connections.size();
        log.debug("TCPStore client {} connected ({} connections)", peer, connectionCount);
        return connection;
    }

    private void serve(SelectionKey key) {
        Connection connection = (Connection) key.attachment();
        try {
            hooks.beforeServing(connection.peer());
            if (key.isValid() && key.isWritable()) {
                connection.flush(writeBuffer);
            }
            if (key.isValid() && key.isReadable()) {
                read(connection);
                partials.enforceBudget();
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
        @Nullable ProtocolViolation violation = null;
        try {
            parser.feed(readBuffer, request -> {
                if (connection.refusal() != null) {
                    return; // refused (its reply did not fit): closed at the next flush, nothing more is served
                }
                connection.requestsServed++;
                handler.handle(connection, request);
            });
        } catch (ProtocolViolation e) {
            violation = e;
        } finally {
            partials.held(parser.heldBytes() - heldBefore);
        }
        if (violation != null) {
            refuse(connection, violation.reason(), violation.getMessage());
            return;
        }
        partials.update(connection);
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
        counters.incident(SERVING_FAILED);
        try {
            counters.incident("unexpected error while serving client " + connection.peer() + ": " + error);
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
    private void flushBeforeClosing(Connection connection) {
        try {
            connection.flush(writeBuffer);
        } catch (IOException ignored) {
            // The connection is closed next anyway.
        }
    }

    /** Closes the connection and frees everything it held: its partial request, its waits and watches, replies. */
    private void close(Connection connection) {
        partials.forget(connection);
        connection.parser().discard();
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
            Refusal refusal = connection.refusal();
            if (refusal != null) {
                refuse(connection, refusal, String.valueOf(connection.refusalReason()));
                continue;
            }
            try {
                connection.flush(writeBuffer);
            } catch (IOException e) {
                log.debug("TCPStore client {} cannot be written to: {}", connection.peer(), e.toString());
                close(connection);
            } catch (Throwable e) {
                contain(connection, e);
            }
        }
    }

    @Override
    public void flushSoon(Connection connection) {
        toFlush.add(connection);
    }

    /**
     * Past the memory budget the connection with the most unread replies goes (the one least likely to be a live
     * rank), until the new reply fits; if the asking connection holds the most, counting its new reply, it is the
     * one refused. Refused connections are only marked here (the store may be iterating its watchers) and closed
     * when the loop flushes.
     */
    @Override
    public boolean admitReplies(Connection connection, long payload, long charge) {
        while (!memory.tryCharge(charge)) {
            @Nullable Connection largest = null;
            long most = connection.replyCharge() + charge;
            for (Connection candidate : connections) {
                if (candidate != connection && candidate.refusal() == null && candidate.replyCharge() > most) {
                    largest = candidate;
                    most = candidate.replyCharge();
                }
            }
            Connection refused = largest != null ? largest : connection;
            refused.refuse(Refusal.MEMORY_BUDGET, "it held " + refused.replyCharge() + " bytes of unread replies, the "
                    + "most of all, when a reply of " + charge + " bytes found the server's memory budget full ("
                    + memory.used() + " of " + memory.limit() + " bytes held for clients; maxMemoryBytes, "
                    + "kvstore.tcp.server.max-memory-size)");
            if (refused == connection) {
                return false;
            }
        }
        replyBacklog.add(payload);
        return true;
    }

    @Override
    public void repliesGone(long payload, long charge) {
        replyBacklog.add(-payload);
        memory.release(charge);
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long wait = longWaits.nanosUntilDue(now);
        wait = Math.min(wait, acceptor.nanosUntilResume(now));
        wait = Math.min(wait, partials.nanosUntilCheck(now));
        wait = Math.min(wait, hostileLog.nanosUntilDue(now));
        wait = Math.min(wait, stallLog.nanosUntilDue(now));
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait));
    }

    /**
     * Closes every connection (their waits and watches leave the store) and the selector. The listening socket is
     * closed only on {@link #stop()}: after a failure the next loop serves on it, so the port never closes.
     */
    private void shutDown() {
        try {
            for (Connection connection : connections.toArray(new Connection[0])) {
                try {
                    close(connection);
                } catch (Throwable e) {
                    connection.close(); // the store's cleanup failed (out of memory?): the socket closes at least
                }
            }
        } catch (Throwable e) {
            for (Connection connection : connections) {
                connection.close();
            }
        }
        connections.clear();
        toFlush.clear();
        partials.clear();
        connectionCount = 0;
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
}
