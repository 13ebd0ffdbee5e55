package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.WatchListenerCall;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KVWatch} on the Java TCPStore master: one connection of its own subscribes with WATCH_PREFIX, gets the
 * keys under the prefix (a reset) and then every change. A reader thread drains the connection into a bounded queue;
 * the subscription's own thread ({@code kvstore-watch-...}) calls the listener, never the reader.
 *
 * <p>The Java master keeps no revisions or history (changes carry revision 0), so nothing can be resumed: when the
 * connection breaks (the master restarted, the network failed) the watch reconnects and delivers a reset with the
 * whole current state and the reason; so it does when the listener fell so far behind that the queue (changes and
 * their bytes) filled up: the connection is dropped, the queue emptied, and the state read again. Memory is bounded by
 * the queue and one state.
 */
final class TcpPrefixWatch implements KVWatch {

    /** Changes queued for the listener at most; past it the subscription re-reads instead. */
    static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** Bytes of queued changes (keys and values) at most; past it the subscription re-reads instead. */
    static final long DEFAULT_QUEUE_BYTES = 16L * 1024 * 1024;
    static final String INITIAL_STATE = "initial state";
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(10);
    private static final Logger log = LoggerFactory.getLogger(TcpPrefixWatch.class);

    private final Function<BooleanSupplier, ExtensionConnection> connector;
    private final String master;
    private final KeyLayout layout;
    private final String prefix;
    private final String fullPrefix;
    private final Listener listener;
    private final ChangeQueue queue;
    private final Runnable onClosed;
    private final Thread reader;
    private final Thread delivery;
    private volatile boolean closed;
    private volatile ExtensionConnection connection;
    /** Set at an overflow (logged at WARN once), cleared once the listener took a re-read with nothing queued after. */
    private volatile boolean fallingBehind;

    /**
     * @param connector opens a connection to the master (handshake sent), giving up once the supplier says closed
     * @param master the master's address, for log lines
     */
    TcpPrefixWatch(Function<BooleanSupplier, ExtensionConnection> connector, String master, KeyLayout layout,
            String prefix, Listener listener, int capacity, long maxQueuedBytes, Runnable onClosed) {
        this.connector = connector;
        this.master = master;
        this.layout = layout;
        this.prefix = prefix;
        this.fullPrefix = layout.componentPrefix() + prefix;
        this.listener = listener;
        this.queue = new ChangeQueue(capacity, maxQueuedBytes);
        this.onClosed = onClosed;
        this.reader = new Thread(this::read, "kvstore-tcp-watch-io-" + fullPrefix);
        this.reader.setDaemon(true);
        this.delivery = new Thread(this::deliver, "kvstore-watch-" + fullPrefix);
        this.delivery.setDaemon(true);
    }

    TcpPrefixWatch start() {
        delivery.start();
        reader.start();
        return this;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClosed.run();
        ExtensionConnection current = connection;
        if (current != null) {
            current.close();
        }
        queue.wake();
        join(reader);
        if (Thread.currentThread() != delivery) {
            join(delivery);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- the reader thread: connection -> queue -------------------------------------------------------------------

    private void read() {
        String resetReason = INITIAL_STATE;
        long backoff = FIRST_BACKOFF_NANOS;
        boolean lost = false;
        while (!closed) {
            ExtensionConnection current = null;
            try {
                current = connector.apply(() -> closed);
                connection = current;
                if (closed) {
                    return;
                }
                current.request(Command.EXT_WATCH_PREFIX, wire(fullPrefix));
                Map<String, byte[]> state = readState(current);
                if (lost) {
                    log.info("Watch of '{}' is connected to the TCPStore master {} again; delivering the re-read "
                            + "state", fullPrefix, master);
                    lost = false;
                }
                queue.reset(new Reset(state, resetReason));
                resetReason = null;
                backoff = FIRST_BACKOFF_NANOS;
                resetReason = drain(current);
                if (resetReason != null) {
                    continue; // the listener fell behind: re-read at once
                }
            } catch (IOException | KVStoreException e) {
                if (closed) {
                    return;
                }
                if (!lost) {
                    log.warn("Watch of '{}' lost its connection to the TCPStore master {} ({}); reconnecting. The "
                            + "Java master keeps no history, so the state will be read again and delivered as a reset",
                            fullPrefix, master, describe(e));
                    lost = true;
                }
                if (resetReason == null) { // after a delivered state, the next one is a re-read
                    resetReason = "reconnected to the master after the connection was lost (" + describe(e)
                            + "); the Java master keeps no history, so the state was read again";
                }
            } finally {
                connection = null;
                if (current != null) {
                    current.close();
                }
            }
            if (!closed) {
                LockSupport.parkNanos(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            }
        }
    }

    private Map<String, byte[]> readState(ExtensionConnection current) throws IOException {
        WireInput in = current.in();
        long count = in.count("WATCH_PREFIX key count");
        Map<String, byte[]> state = new TreeMap<>(NaturalOrder.INSTANCE);
        for (long i = 0; i < count; i++) {
            String key = relative(in.string());
            state.put(key, in.bytes());
        }
        return Collections.unmodifiableMap(state);
    }

    /**
     * Queues the frames as they arrive until the connection breaks (an exception) or the queue is full.
     *
     * @return the reason to re-read (the listener fell behind)
     */
    private String drain(ExtensionConnection current) throws IOException {
        WireInput in = current.in();
        while (!closed) {
            int type = in.u8();
            String key = relative(in.string());
            Change change = switch (type) {
                case JavaMasterExtension.EVENT_PUT -> new Change(ChangeType.PUT, key, in.bytes(), 0);
                case JavaMasterExtension.EVENT_DELETE -> new Change(ChangeType.DELETE, key, new byte[0], 0);
                default -> throw new IOException("malformed watch frame type " + type);
            };
            if (!queue.offer(change)) {
                String reason = "the listener fell behind: more than " + queue.capacity + " changes or "
                        + queue.maxBytes + " bytes were queued";
                if (!fallingBehind) {
                    fallingBehind = true;
                    log.warn("Watch of '{}' drops its queue and reads the state again: {}", fullPrefix, reason);
                } else {
                    log.debug("Watch of '{}' drops its queue and reads the state again: {}", fullPrefix, reason);
                }
                queue.clear();
                return reason;
            }
        }
        return null;
    }

    private String relative(String wireKey) throws IOException {
        // Wire keys carry PyTorch's "/" before the full key.
        if (!wireKey.startsWith("/" + fullPrefix)) {
            throw new IOException("the master sent key '" + wireKey + "', outside the watched prefix '/" + fullPrefix
                    + "'");
        }
        return wireKey.substring(1 + layout.componentPrefix().length());
    }

    private static byte[] wire(String fullPrefix) {
        return ("/" + fullPrefix).getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    // --- the subscription's thread: queue -> listener ------------------------------------------------------------

    private void deliver() {
        List<Object> batch = new ArrayList<>();
        while (!closed) {
            try {
                queue.takeAll(batch, POLL_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            List<Change> changes = new ArrayList<>();
            boolean reset = false;
            for (Object item : batch) {
                if (item instanceof Reset read) {
                    flush(changes);
                    reset = true;
                    call(() -> listener.onReset(read.state, 0, read.reason));
                } else {
                    changes.add((Change) item);
                }
            }
            flush(changes);
            batch.clear();
            if (reset && fallingBehind && queue.isEmpty()) {
                fallingBehind = false;
                log.info("Watch of '{}': the listener caught up after a re-read", fullPrefix);
            }
        }
    }

    private void flush(List<Change> changes) {
        if (!changes.isEmpty()) {
            List<Change> delivered = List.copyOf(changes);
            changes.clear();
            call(() -> listener.onChanges(delivered));
        }
    }

    private void call(Runnable call) {
        if (!closed) {
            WatchListenerCall.run(call, log, fullPrefix);
        }
    }

    /** The state under the prefix and why it was read. */
    private record Reset(Map<String, byte[]> state, String reason) {
    }

    /**
     * Changes and resets between the reader and the subscription's thread, bounded in changes and bytes. A reset
     * replaces whatever is queued: it supersedes it.
     */
    private static final class ChangeQueue {

        private final int capacity;
        private final long maxBytes;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition notEmpty = lock.newCondition();
        private final ArrayDeque<Object> items = new ArrayDeque<>();
        private int changes;
        private long bytes;

        ChangeQueue(int capacity, long maxBytes) {
            this.capacity = capacity;
            this.maxBytes = maxBytes;
        }

        /** @return false, queuing nothing, if the change would pass the bounds */
        boolean offer(Change change) {
            long size = change.key().length() + (long) change.value().length;
            lock.lock();
            try {
                if (changes + 1 > capacity || (changes > 0 && bytes + size > maxBytes)) {
                    return false;
                }
                items.add(change);
                changes++;
                bytes += size;
                notEmpty.signal();
                return true;
            } finally {
                lock.unlock();
            }
        }

        void reset(Reset reset) {
            lock.lock();
            try {
                clearLocked();
                items.add(reset);
                notEmpty.signal();
            } finally {
                lock.unlock();
            }
        }

        void clear() {
            lock.lock();
            try {
                clearLocked();
            } finally {
                lock.unlock();
            }
        }

        private void clearLocked() {
            items.clear();
            changes = 0;
            bytes = 0;
        }

        /** Moves everything queued into {@code batch}, waiting up to {@code nanos} for something. */
        void takeAll(List<Object> batch, long nanos) throws InterruptedException {
            lock.lock();
            try {
                if (items.isEmpty()) {
                    notEmpty.awaitNanos(nanos);
                }
                batch.addAll(items);
                clearLocked();
            } finally {
                lock.unlock();
            }
        }

        boolean isEmpty() {
            lock.lock();
            try {
                return items.isEmpty();
            } finally {
                lock.unlock();
            }
        }

        void wake() {
            lock.lock();
            try {
                notEmpty.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "watch of '" + fullPrefix + "' on " + master + (closed ? " (closed)" : "");
    }
}
