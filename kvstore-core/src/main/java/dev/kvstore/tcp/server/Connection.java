package dev.kvstore.tcp.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One client connection, owned by the event-loop thread: its parser, its not-yet-written replies, and the waits and
 * watches it holds in the store. Replies are queued and written when the loop flushes; reading pauses while a
 * client leaves more than {@link #MAX_UNWRITTEN_BYTES} unread. Replies it did not ask for (watch notifications)
 * and the replies to requests already read can still pile up then: past {@link #MAX_BACKLOG_BYTES} the connection is
 * marked {@linkplain #overflowed() overflowed}, its replies are dropped, and the loop closes it.
 */
final class Connection {

    /** Reading pauses while more than this many reply bytes wait to be written. */
    static final long MAX_UNWRITTEN_BYTES = 16L * 1024 * 1024;
    /** A client with more than {@link #MAX_UNWRITTEN_BYTES} unread is closed once its backlog would pass this. */
    static final long MAX_BACKLOG_BYTES = 64L * 1024 * 1024;
    /**
     * Most bytes one {@link #flush} writes: a large reply goes out in slices between other connections' work, so a
     * bystander's reply waits for at most one slice per busy connection.
     */
    static final long WRITE_SLICE_BYTES = 256 * 1024;

    private final SocketChannel channel;
    private final SelectionKey selectionKey;
    private final String peer;
    private final RequestParser parser;
    private final Consumer<Connection> flushScheduler;
    private final LongAdder backlogOfAll;
    private final ArrayDeque<ByteBuffer> unwritten = new ArrayDeque<>();
    private long unwrittenBytes;
    private boolean open = true;
    private boolean overflowed;
    /** Set while the connection's requests wait for a store outside the process: no more are read meanwhile. */
    private boolean readsHeld;

    /** When bytes last arrived; what the partial-request timeout measures. */
    long lastReadNanos = System.nanoTime();

    /** When it connected, for introspection. */
    final long connectedAtMillis = System.currentTimeMillis();

    /** Requests of this connection handled so far, for introspection. */
    long requestsServed;

    /** Bytes this connection's pending WAITs and watches hold, as {@link KeyWaiters} charges them. */
    long heldBytes;

    /** Pending WAITs of this connection, managed by {@link KeyWaiters}. */
    final Set<KeyWaiters.Waiter> waits = new LinkedHashSet<>();
    /** Keys this connection watches (legacy WATCH_KEY), managed by {@link KeyWaiters}. */
    final Set<String> watchedKeys = new LinkedHashSet<>();

    /** Requests behind one the store has not answered yet, managed by {@link CommandHandler}; null until needed. */
    CommandHandler.@Nullable Pipeline pipeline;

    Connection(SocketChannel channel, SelectionKey selectionKey, String peer, RequestParser parser,
            Consumer<Connection> flushScheduler, LongAdder backlogOfAll) {
        this.channel = channel;
        this.selectionKey = selectionKey;
        this.peer = peer;
        this.parser = parser;
        this.flushScheduler = flushScheduler;
        this.backlogOfAll = backlogOfAll;
    }

    String peer() {
        return peer;
    }

    RequestParser parser() {
        return parser;
    }

    SocketChannel channel() {
        return channel;
    }

    boolean isOpen() {
        return open;
    }

    /** @return whether replies piled up past {@link #MAX_BACKLOG_BYTES}: they were dropped, the loop must close it */
    boolean overflowed() {
        return overflowed;
    }

    long unwrittenBytes() {
        return unwrittenBytes;
    }

    /** Queues reply bytes; they are written when the loop next flushes. */
    void send(ByteBuffer... parts) {
        if (!open || overflowed) {
            return;
        }
        long size = 0;
        for (ByteBuffer part : parts) {
            size += part.remaining();
        }
        if (unwrittenBytes > MAX_UNWRITTEN_BYTES && unwrittenBytes + size > MAX_BACKLOG_BYTES) {
            overflowed = true;
            discardUnwritten();
            flushScheduler.accept(this);
            return;
        }
        for (ByteBuffer part : parts) {
            if (part.hasRemaining()) {
                unwritten.add(part);
            }
        }
        unwrittenBytes += size;
        backlogOfAll.add(size);
        flushScheduler.accept(this);
    }

    private void discardUnwritten() {
        unwritten.clear();
        backlogOfAll.add(-unwrittenBytes);
        unwrittenBytes = 0;
    }

    /**
     * Writes what the socket takes now, at most {@link #WRITE_SLICE_BYTES}, and sets the interest ops accordingly: a
     * connection with more to write is written again on the loop's next turn, after the other connections' work.
     * Queued parts are copied into the loop's {@code staging} buffer and written from there, so one write costs the
     * bytes it moves however many small parts a reply has.
     *
     * @param staging the loop's direct buffer; its content does not outlive this call
     * @throws IOException if the peer is gone
     */
    void flush(ByteBuffer staging) throws IOException {
        long sliceLeft = WRITE_SLICE_BYTES;
        while (!unwritten.isEmpty() && sliceLeft > 0) {
            staging.clear();
            if (sliceLeft < staging.capacity()) {
                staging.limit((int) sliceLeft);
            }
            for (ByteBuffer part : unwritten) {
                int n = Math.min(part.remaining(), staging.remaining());
                staging.put(staging.position(), part, part.position(), n);
                staging.position(staging.position() + n);
                if (!staging.hasRemaining()) {
                    break;
                }
            }
            int staged = staging.flip().remaining();
            int written = channel.write(staging);
            consume(written);
            sliceLeft -= written;
            if (written < staged) {
                break; // the socket is full: the loop writes the rest when it is writable again
            }
        }
        if (selectionKey.isValid()) {
            int ops = unwritten.isEmpty() ? 0 : SelectionKey.OP_WRITE;
            if (unwrittenBytes <= MAX_UNWRITTEN_BYTES && !readsHeld) {
                ops |= SelectionKey.OP_READ;
            }
            selectionKey.interestOps(ops);
        }
    }

    /** Drops {@code written} bytes from the head of the queue. */
    private void consume(int written) {
        unwrittenBytes -= written;
        backlogOfAll.add(-written);
        int left = written;
        while (left > 0) {
            ByteBuffer head = unwritten.peekFirst();
            int n = Math.min(head.remaining(), left);
            head.position(head.position() + n);
            left -= n;
            if (!head.hasRemaining()) {
                unwritten.pollFirst();
            }
        }
    }

    /**
     * Stops or resumes reading this connection's requests (a gateway holds reads while a backlog of its requests
     * waits for etcd, so that a pipelining client cannot queue without bound).
     */
    void holdReads(boolean hold) {
        if (readsHeld == hold || !selectionKey.isValid()) {
            return;
        }
        readsHeld = hold;
        int ops = selectionKey.interestOps();
        if (hold) {
            selectionKey.interestOps(ops & ~SelectionKey.OP_READ);
        } else if (unwrittenBytes <= MAX_UNWRITTEN_BYTES) {
            selectionKey.interestOps(ops | SelectionKey.OP_READ);
        }
    }

    /** @return whether the loop reads this connection now (not paused because its replies are unread) */
    boolean isReading() {
        return selectionKey.isValid() && (selectionKey.interestOps() & SelectionKey.OP_READ) != 0;
    }

    /** Closes the socket; the store's cleanup is the caller's job. */
    void close() {
        open = false;
        discardUnwritten();
        selectionKey.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a socket that failed already; nothing left to release.
        }
    }

    @Override
    public String toString() {
        return peer;
    }
}
