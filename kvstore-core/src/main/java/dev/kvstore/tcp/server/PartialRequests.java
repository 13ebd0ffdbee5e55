package dev.kvstore.tcp.server;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The connections in the middle of a request, kept by the event-loop thread: the only ones that hold pending bytes or
 * can stall. Keeps what partly received requests hold over all connections under
 * {@link ServerLimits#maxPendingBytes()} (past it the connection holding the most goes: the one most likely to be the
 * attacker) and closes requests that stopped arriving ({@link ServerLimits#partialRequestTimeoutNanos()}). Idle
 * connections between requests are never touched.
 */
final class PartialRequests {

    /** Closes a connection the server will not serve any more, counted under the reason. */
    @FunctionalInterface
    interface Refuser {
        void refuse(Connection connection, Refusal reason, String why);
    }

    private final ServerLimits limits;
    private final MemoryBudget memory;
    private final Refuser refuser;
    private final Set<Connection> partial = new LinkedHashSet<>();
    private final long checkNanos;
    /** Bytes held by partly received requests over all connections: what {@code maxPendingBytes} bounds. */
    private long pendingBytes;
    private long nextCheck;

    PartialRequests(ServerLimits limits, MemoryBudget memory, Refuser refuser) {
        this.limits = limits;
        this.memory = memory;
        this.refuser = refuser;
        // A stalled request is noticed within a quarter of its timeout (and within a second).
        this.checkNanos = Math.max(1, Math.min(limits.partialRequestTimeoutNanos() / 4,
                TimeUnit.SECONDS.toNanos(1)));
    }

    /** @return bytes held by partly received requests over all connections */
    long pendingBytes() {
        return pendingBytes;
    }

    /** Counts what a read added to (or a completed request released from) the pending bytes. */
    void held(long delta) {
        pendingBytes += delta;
        memory.charge(delta);
    }

    /** After a read: the connection is in the middle of a request or between requests. */
    void update(Connection connection) {
        if (connection.parser().inTheMiddleOfARequest()) {
            partial.add(connection);
        } else if (!partial.isEmpty()) {
            partial.remove(connection);
        }
    }

    /** The connection is closing: what its partial request holds is no longer pending. Before its parser discards. */
    void forget(Connection connection) {
        pendingBytes -= connection.parser().heldBytes();
        memory.release(connection.parser().heldBytes());
        partial.remove(connection);
    }

    /**
     * Past the budget the connection holding the most goes, until the rest fits. (What partly received requests hold
     * is charged to the server's memory budget as well, where it leaves less room for replies; they are bounded here.)
     */
    void enforceBudget() {
        while (pendingBytes > limits.maxPendingBytes()) {
            @Nullable Connection largest = null;
            for (Connection candidate : partial) {
                if (largest == null || candidate.parser().heldBytes() > largest.parser().heldBytes()) {
                    largest = candidate;
                }
            }
            if (largest == null) {
                return;
            }
            refuser.refuse(largest, Refusal.PENDING_BUDGET, "it held " + largest.parser().heldBytes()
                    + " bytes of a partly received " + largest.parser().partialCommand()
                    + " request, the most of all, when partly received requests held " + pendingBytes
                    + " bytes, past the limit of " + limits.maxPendingBytes()
                    + " (maxPendingBytes, kvstore.tcp.server.max-pending-size)");
        }
    }

    /** A request that stopped arriving holds its connection's buffers: closed once it sent nothing for the timeout. */
    void closeStalledIfDue(long now) {
        if (partial.isEmpty() || now - nextCheck < 0) {
            return;
        }
        nextCheck = now + checkNanos;
        long timeout = limits.partialRequestTimeoutNanos();
        for (Connection connection : partial.toArray(new Connection[0])) {
            if (now - connection.lastReadNanos < timeout) {
                continue;
            }
            if (!connection.isReading()) {
                connection.lastReadNanos = now; // paused by us (its replies are unread), not stalled by it
                continue;
            }
            refuser.refuse(connection, Refusal.PARTIAL_REQUEST_TIMEOUT, "it sent part of a "
                    + connection.parser().partialCommand() + " request and then nothing for "
                    + Duration.ofNanos(timeout) + " (partialRequestTimeout, "
                    + "kvstore.tcp.server.partial-request-timeout)");
        }
    }

    /** @return nanoseconds until the next stall check, {@link Long#MAX_VALUE} while no request is partial */
    long nanosUntilCheck(long now) {
        return partial.isEmpty() ? Long.MAX_VALUE : nextCheck - now;
    }

    /** The loop ends: nothing is pending any more. */
    void clear() {
        partial.clear();
        memory.release(pendingBytes);
        pendingBytes = 0;
    }
}
