package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The clients waiting for keys (WAIT) and, in PyTorch 1.13/2.0, watching them (WATCH_KEY), by key; {@link Wakeups}
 * tells it what the {@link ServerStore} reports. Owned by the event-loop thread; only the count is read from other
 * threads.
 *
 * <p>What a connection's pending waits and watches hold is bounded by {@link ServerLimits#maxRequestBytes()}, so that
 * pipelining them cannot exhaust memory: a request past it is refused with a {@link ProtocolViolation}.
 */
final class KeyWaiters {

    /** Watch notification types of PyTorch 1.13/2.0 (WatchResponseType). */
    static final int KEY_UPDATED = 0;
    static final int KEY_CREATED = 1;
    static final int KEY_DELETED = 2;

    /** How many ended waits {@link #recentlyEnded()} keeps: a page's worth, never a history. */
    static final int ENDED_KEPT = 20;

    /** A WAIT that is not answered yet: the keys not written since it arrived. */
    static final class Waiter {
        final Connection client;
        /** The keys that were missing when it arrived, for {@link Ended}. */
        final List<String> keys;
        final Set<String> pending;
        final long sinceNanos = System.nanoTime();
        /** What this wait counts against its connection's {@link Connection#heldBytes}. */
        final long charge;

        Waiter(Connection client, Set<String> pending, long charge) {
            this.client = client;
            this.keys = List.copyOf(pending);
            this.pending = pending;
            this.charge = charge;
        }
    }

    /** A WAIT that was held and has ended, and how. */
    record Ended(List<String> keys, String client, long sinceNanos, long endedNanos,
            ServerSnapshot.EndedWait.Outcome outcome) {
    }

    private final Map<String, LinkedHashSet<Waiter>> waitersByKey = new HashMap<>();
    private final Map<String, LinkedHashSet<Connection>> watchersByKey = new HashMap<>();
    /** The last {@link #ENDED_KEPT} held WAITs that ended, latest first. */
    private final ArrayDeque<Ended> ended = new ArrayDeque<>();
    private final ServerLimits limits;
    private final MemoryBudget budget;
    private volatile int waiterCount;

    KeyWaiters(ServerLimits limits, MemoryBudget budget) {
        this.limits = limits;
        this.budget = budget;
    }

    /** @return WAITs not answered yet, over all connections */
    int waiterCount() {
        return waiterCount;
    }

    /**
     * Answers STOP_WAITING now if every key is present, else once each missing key has been written.
     *
     * @param present for each key, whether the store holds it now; {@code null} while the store has not answered
     *     yet: then every key is waited for, and {@link #resolve} takes the answer (a write meanwhile wakes the wait)
     * @return the wait, {@code null} if it was answered at once
     * @throws ProtocolViolation if the connection's pending waits would hold more than {@code maxRequestBytes}, or
     *     the server's memory budget has no room for the wait
     */
    @Nullable Waiter await(Connection client, List<String> keys, boolean @Nullable [] present)
            throws ProtocolViolation {
        Set<String> pending = new LinkedHashSet<>();
        long charge = ServerLimits.HELD_KEY_OVERHEAD;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if ((present == null || !present[i]) && pending.add(key)) {
                charge += key.length() + ServerLimits.HELD_KEY_OVERHEAD;
            }
        }
        if (pending.isEmpty()) {
            client.send(Replies.u8(ReplyCodes.STOP_WAITING));
            return null;
        }
        hold(client, charge, "pending WAITs");
        Waiter waiter = new Waiter(client, pending, charge);
        for (String key : pending) {
            waitersByKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(waiter);
        }
        client.waits.add(waiter);
        waiterCount++;
        return waiter;
    }

    /**
     * The store answered which keys of a wait registered before its answer are present: those no longer keep this
     * wait (others waiting for them were woken by the write that set them, or read them on their own).
     */
    void resolve(Waiter waiter, List<String> keys, boolean[] present) {
        if (!waiter.client.waits.contains(waiter)) {
            return; // answered, cancelled or forgotten meanwhile
        }
        for (int i = 0; i < present.length; i++) {
            if (present[i] && waiter.pending.remove(keys.get(i))) {
                unregister(waiter, keys.get(i));
            }
        }
        if (waiter.pending.isEmpty()) {
            answer(waiter);
        }
    }

    /**
     * Forgets the client's pending WAITs.
     *
     * @param outcome {@code CANCELLED} for CANCEL_WAIT, {@code DISCONNECTED} when the connection closed
     * @return how many there were
     */
    int cancelWaits(Connection client, ServerSnapshot.EndedWait.Outcome outcome) {
        int cancelled = client.waits.size();
        for (Waiter waiter : client.waits) {
            for (String key : waiter.pending) {
                unregister(waiter, key);
            }
            release(client, waiter.charge);
            ended(waiter, outcome);
        }
        client.waits.clear();
        waiterCount -= cancelled;
        return cancelled;
    }

    /** Forgets the client's waits and watches. */
    void forget(Connection client) {
        cancelWaits(client, ServerSnapshot.EndedWait.Outcome.DISCONNECTED);
        for (String key : client.watchedKeys) {
            LinkedHashSet<Connection> watchers = watchersByKey.get(key);
            if (watchers != null) {
                watchers.remove(client);
                if (watchers.isEmpty()) {
                    watchersByKey.remove(key);
                }
            }
        }
        client.watchedKeys.clear();
        release(client, client.heldBytes);
    }

    /** Registers a 1.13/2.0 watch: the client gets a notification each time the key changes. */
    void watch(Connection client, String key) throws ProtocolViolation {
        if (client.watchedKeys.contains(key)) {
            return;
        }
        hold(client, key.length() + ServerLimits.HELD_KEY_OVERHEAD, "watches");
        watchersByKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(client);
        client.watchedKeys.add(key);
    }

    /**
     * Pending waits and watches are bounded per connection, so that pipelining them cannot exhaust memory, and charged
     * to the server's memory budget, so that many connections together cannot either.
     */
    private void hold(Connection client, long charge, String what) throws ProtocolViolation {
        if (client.heldBytes + charge > limits.maxRequestBytes()) {
            throw new ProtocolViolation(Refusal.OVERSIZE, what + " of this connection would hold "
                    + (client.heldBytes + charge) + " bytes, more than the limit of " + limits.maxRequestBytes()
                    + " bytes per connection ("
                    + client.waits.size() + " waits, " + client.watchedKeys.size() + " watches pending)");
        }
        if (!budget.tryCharge(charge)) {
            throw new ProtocolViolation(Refusal.MEMORY_BUDGET, what + " of this connection would add " + charge
                    + " bytes to the " + budget.used() + " the server holds, past its memory budget of "
                    + budget.limit() + " bytes (" + waiterCount + " waits pending; maxMemoryBytes, "
                    + "kvstore.tcp.server.max-memory-size)");
        }
        client.heldBytes += charge;
    }

    private void release(Connection client, long charge) {
        client.heldBytes -= charge;
        budget.release(charge);
    }

    /**
     * Answers the waits for which this key was the last one missing: it was written (through this server or, on a
     * store in etcd, any other).
     */
    void keyReady(String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.remove(key);
        if (waiters != null) {
            for (Waiter waiter : waiters) {
                waiter.pending.remove(key);
                if (waiter.pending.isEmpty()) {
                    answer(waiter);
                }
            }
        }
    }

    /** A pushed queue item can satisfy one waiter; prefer one that waits for nothing else. */
    void wakeOneWaiter(String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.get(key);
        if (waiters == null) {
            return;
        }
        Waiter chosen = null;
        for (Waiter waiter : waiters) {
            if (waiter.pending.size() == 1) {
                chosen = waiter;
                break;
            }
        }
        if (chosen == null) {
            chosen = waiters.iterator().next();
        }
        unregister(chosen, key);
        chosen.pending.remove(key);
        if (chosen.pending.isEmpty()) {
            answer(chosen);
        }
    }

    /** Sends a 1.13/2.0 watch notification to each client watching the key. */
    void notifyWatchers(int type, String key, byte[] oldValue, byte[] newValue) {
        LinkedHashSet<Connection> watchers = watchersByKey.get(key);
        if (watchers == null) {
            return;
        }
        for (Connection watcher : watchers) {
            watcher.send(Replies.watchNotification(type, key, oldValue, newValue));
        }
    }

    /** @return the keys waited for and not ready, with their waiters, read-only, for snapshots on the loop thread */
    Map<String, ? extends Set<Waiter>> waitersByKey() {
        return Collections.unmodifiableMap(waitersByKey);
    }

    /** @return the last held WAITs that ended, latest first, at most {@link #ENDED_KEPT}; for snapshots */
    Iterable<Ended> recentlyEnded() {
        return Collections.unmodifiableCollection(ended);
    }

    private void answer(Waiter waiter) {
        waiter.client.waits.remove(waiter);
        release(waiter.client, waiter.charge);
        waiterCount--;
        waiter.client.send(Replies.u8(ReplyCodes.STOP_WAITING));
        ended(waiter, ServerSnapshot.EndedWait.Outcome.RESOLVED);
    }

    private void ended(Waiter waiter, ServerSnapshot.EndedWait.Outcome outcome) {
        if (ended.size() == ENDED_KEPT) {
            ended.removeLast();
        }
        ended.addFirst(new Ended(waiter.keys, waiter.client.peer(), waiter.sinceNanos, System.nanoTime(), outcome));
    }

    private void unregister(Waiter waiter, String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.get(key);
        if (waiters != null) {
            waiters.remove(waiter);
            if (waiters.isEmpty()) {
                waitersByKey.remove(key);
            }
        }
    }
}
