package dev.kvstore.tcp.server;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * What {@link ServerStatus} reports, kept across event-loop restarts: written by the loop and its supervisor, read by
 * any thread.
 */
final class ServerCounters {

    private final AtomicLongArray refusals = new AtomicLongArray(Refusal.values().length);
    private final AtomicLong loopRestarts = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    /** The last incident's description; {@code null} if none. With its time, made an {@link ServerStatus.Incident} on read. */
    private volatile @Nullable String incident;
    private volatile long incidentAtMillis;
    private volatile boolean serving;
    private volatile long pendingBytes;
    private final MemoryBudget memory;

    ServerCounters(MemoryBudget memory) {
        this.memory = memory;
    }

    void refused(Refusal reason) {
        refusals.incrementAndGet(reason.ordinal());
    }

    /**
     * Records an incident. Allocates nothing, so that it works when memory has run out: a description built then must
     * be a constant prepared in advance.
     */
    void incident(String description) {
        incidentAtMillis = System.currentTimeMillis();
        incident = description;
    }

    void accepted() {
        accepted.incrementAndGet();
    }

    void loopRestarted() {
        loopRestarts.incrementAndGet();
    }

    void serving(boolean now) {
        serving = now;
    }

    void pendingBytes(long now) {
        pendingBytes = now;
    }

    ServerStatus snapshot() {
        Map<Refusal, Long> counts = new EnumMap<>(Refusal.class);
        for (Refusal reason : Refusal.values()) {
            counts.put(reason, refusals.get(reason.ordinal()));
        }
        String description = incident;
        ServerStatus.Incident lastIncident = description == null ? null
                : new ServerStatus.Incident(Instant.ofEpochMilli(incidentAtMillis), description);
        return new ServerStatus(serving, loopRestarts.get(), lastIncident, counts, pendingBytes, accepted.get(),
                memory.used(), memory.limit());
    }
}
