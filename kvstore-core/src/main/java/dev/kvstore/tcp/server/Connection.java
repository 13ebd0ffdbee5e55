package dev.kvstore.tcp.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One client connection, owned by the event-loop thread: its parser, its not-yet-written replies, and the waits and
 * watches it holds in the store. Replies are queued and written when the loop flushes; reading pauses while a
 * client leaves more than {@link #MAX_UNWRITTEN_BYTES} unread. Replies it did not ask for (watch notifications)
 * and the replies to requests already read can still pile up then: past {@link #MAX_BACKLOG_BYTES} the connection is
 * {@linkplain #refusal() refused}, its replies are dropped, and the loop closes it. Queued replies are charged to the
 * server's {@link MemoryBudget} (their bytes plus {@link #PART_OVERHEAD} per buffer) through the {@link Loop}.
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
    /** What a queued reply buffer costs beyond its bytes (the buffer object, its array header, its queue slot). */
    static final long PART_OVERHEAD = 64;

    /** What a connection needs of its event loop for its replies. */
    interface Loop {
        /** The connection has replies to write or is refused: the loop flushes (or closes) it soon. */
        void flushSoon(Connection connection);

        /**
         * Charges {@code charge} bytes of the connection's replies to the memory budget, closing the connections with
         * the most unread replies until they fit; adds {@code payload} to the loop's reply backlog.
         *
         * @return false if nothing was charged: the connection itself was {@linkplain #refuse refused}
         */
        boolean admitReplies(Connection connection, long payload, long charge);

        /** Replies written or dropped: gives back their charge and their bytes of the backlog. */
        void repliesGone(long payload, long charge);
    }

    private final SocketChannel channel;
    private final SelectionKey selectionKey;
    private final String peer;
    private final RequestParser parser;
    private final Loop loop;
    /** Sized for one reply (what a rank has in flight), not the default 16 slots: it grows when replies pile up. */
    private final ArrayDeque<ByteBuffer> unwritten = new ArrayDeque<>(1);
    private long unwrittenBytes;
    /** Charged by {@link #reserve} for the next reply and not queued yet. */
    private long reserved;
    private boolean open = true;
    private @Nullable Refusal refusal;
    private @Nullable String refusalReason;
    /** Set while the connection's requests wait for a store outside the process: no more are read meanwhile. */
    private boolean readsHeld;

    /** Whether the loop's flush queue holds this connection; managed by the loop. */
    boolean flushQueued;

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

    Connection(SocketChannel channel, SelectionKey selectionKey, String peer, RequestParser parser, Loop loop) {
        this.channel = channel;
        this.selectionKey = selectionKey;
        this.peer = peer;
        this.parser = parser;
        this.loop = loop;
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

    /** @return why the server will not serve this connection any more (its replies dropped); null while it does */
    @Nullable Refusal refusal() {
        return refusal;
    }

    /** @return what {@link #refusal()} is about, for the log; null while it is served */
    @Nullable String refusalReason() {
        return refusalReason;
    }

    /**
     * Marks the connection refused: its replies are dropped (and their charge given back) at once, and the loop closes
     * it when it next flushes. Safe while the store iterates its watchers: nothing is removed here.
     */
    void refuse(Refusal reason, String why) {
        if (refusal != null || !open) {
            return;
        }
        refusal = reason;
        refusalReason = why;
        discardUnwritten();
        loop.flushSoon(this);
    }

    long unwrittenBytes() {
        return unwrittenBytes;
    }

    /** @return what this connection's unread replies are charged to the memory budget */
    long replyCharge() {
        return unwrittenBytes + unwritten.size() * PART_OVERHEAD + reserved;
    }

    /**
     * Charges the next reply before it is built (a large one: a watch's initial state), so that a reply that cannot
     * be held is refused before it costs anything.
     *
     * @return false if the connection was refused: the reply is larger than a connection may leave unread, or the
     *     memory budget has no room for it
     */
    boolean reserve(long payload, int parts) {
        long charge = payload + parts * PART_OVERHEAD;
        if (!open || refusal != null || refusedAsTooLarge(payload, charge)
                || !loop.admitReplies(this, 0, charge)) {
            return false;
        }
        reserved += charge;
        return true;
    }

    /** Queues reply bytes; they are written when the loop next flushes. */
    void send(ByteBuffer... parts) {
        if (!open || refusal != null) {
            return;
        }
        long size = 0;
        int count = 0;
        for (ByteBuffer part : parts) {
            if (part.hasRemaining()) {
                size += part.remaining();
                count++;
            }
        }
        long charge = size + count * PART_OVERHEAD;
        long credit = reserved; // a reservation covers the one reply it was made for
        reserved = 0;
        if (refusedAsTooLarge(size, charge)) {
            loop.repliesGone(0, credit);
            return;
        }
        if (unwrittenBytes > MAX_UNWRITTEN_BYTES && unwrittenBytes + size > MAX_BACKLOG_BYTES) {
            loop.repliesGone(0, credit);
            refuse(Refusal.UNREAD_REPLIES, "it left more than " + (MAX_BACKLOG_BYTES >> 20) + " MiB of replies "
                    + "unread and more were due (a client that does not read its replies or watch notifications)");
            return;
        }
        if (charge > credit) {
            if (!loop.admitReplies(this, size, charge - credit)) {
                loop.repliesGone(0, credit);
                return;
            }
        } else {
            loop.admitReplies(this, size, 0);
            loop.repliesGone(0, credit - charge);
        }
        for (ByteBuffer part : parts) {
            if (part.hasRemaining()) {
                unwritten.add(part);
            }
        }
        unwrittenBytes += size;
        loop.flushSoon(this);
    }

    /** A reply larger than a connection may leave unread is refused before it is queued (or built). */
    private boolean refusedAsTooLarge(long payload, long charge) {
        if (charge <= MAX_BACKLOG_BYTES) {
            return false;
        }
        refuse(Refusal.OVERSIZE, "it asked for a reply of " + payload + " bytes (" + charge + " as held), more than "
                + "the " + (MAX_BACKLOG_BYTES >> 20) + " MiB a connection may leave unread");
        return true;
    }

    private void discardUnwritten() {
        loop.repliesGone(unwrittenBytes, replyCharge());
        unwritten.clear();
        unwrittenBytes = 0;
        reserved = 0;
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

    /** Drops {@code written} bytes from the head of the queue and gives back their charge. */
    private void consume(int written) {
        unwrittenBytes -= written;
        int left = written;
        int done = 0;
        while (left > 0) {
            ByteBuffer head = unwritten.peekFirst();
            int n = Math.min(head.remaining(), left);
            head.position(head.position() + n);
            left -= n;
            if (!head.hasRemaining()) {
                unwritten.pollFirst();
                done++;
            }
        }
        loop.repliesGone(written, written + done * PART_OVERHEAD);
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
