package dev.kvstore.tcp.server;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a {@link TcpStoreServer}'s health: whether its event loop serves clients right now, how often it
 * had to be restarted, the last incident, and the connections it closed, by reason. Immutable.
 *
 * @param serving whether the event loop runs and accepts clients (false before start, after close, and while a
 *     failed loop is being restarted)
 * @param loopRestarts how often the event loop died and was restarted (stored keys are kept across restarts)
 * @param lastIncident the last loop failure or unexpected error while serving a connection; {@code null} if none
 * @param refusals connections closed by the server, by reason (every reason present, zero if none)
 * @param pendingBytes bytes held right now in partly received requests, what {@code maxPendingBytes} bounds
 * @param acceptedConnections clients accepted since the server started, those it closed at once included; a client
 *     counted here is already among {@link TcpStoreServer#connectionCount()} or already closed
 * @param memoryBytes bytes charged to the server's memory budget right now (unread replies, watch backlogs and
 *     initial states, partly received requests, stored entries at their heap cost)
 * @param maxMemoryBytes the memory budget ({@code maxMemoryBytes}); past it connections are closed as
 *     {@link Refusal#MEMORY_BUDGET}
 */
public record ServerStatus(boolean serving, long loopRestarts, @Nullable Incident lastIncident,
        Map<Refusal, Long> refusals, long pendingBytes, long acceptedConnections, long memoryBytes,
        long maxMemoryBytes) {

    /**
     * Something that went wrong inside the server (not merely a bad client).
     *
     * @param at when it happened
     * @param description what happened, for people
     */
    public record Incident(Instant at, String description) {

        public Incident {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(description, "description");
        }
    }

    public ServerStatus {
        Objects.requireNonNull(refusals, "refusals");
        EnumMap<Refusal, Long> complete = new EnumMap<>(Refusal.class);
        for (Refusal reason : Refusal.values()) {
            complete.put(reason, refusals.getOrDefault(reason, 0L));
        }
        refusals = Collections.unmodifiableMap(complete);
    }

    /** @return connections closed for this reason since the server started */
    public long refused(Refusal reason) {
        return refusals.get(reason);
    }

    /**
     * @return writes (SET, APPEND, MULTI_SET, ADD, COMPARE_SET, QUEUE_PUSH) dropped because the store was full; a
     *     SET has no reply, so its client learns of the loss only by the closed connection
     */
    public long writesDroppedPastStoreLimit() {
        return refused(Refusal.STORE_FULL);
    }
}
