package dev.kvstore.api;

import dev.kvstore.internal.DecimalText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The single-use barrier of {@link KVStore#barrier}, made of two keys of any store: {@code barrier/{name}/arrived},
 * an atomic counter that hands every caller its arrival number, and {@code barrier/{name}/done}, written once by
 * compare-and-set from absent: {@code 1} (passed) by the last arrival, or {@code broken} by a caller whose timeout ran
 * out. Whoever sets it first decides, so a timeout racing the last arrival either breaks the barrier (the last
 * arrival fails too) or loses to it (the timed-out caller was counted and passes). Waiters wait for the outcome key.
 */
final class SingleUseBarrier {

    /**
     * The outcomes a barrier settles on once. "1" is what peers in other languages write when they arrive last (see
     * the README), so they and Java callers agree on it.
     */
    private static final String PASSED = "1";
    private static final String BROKEN = "broken";

    private final KVStore store;
    private final String name;
    private final int parties;
    private final String arrivedKey;
    private final String outcomeKey;

    private SingleUseBarrier(KVStore store, String name, int parties) {
        this.store = store;
        this.name = name;
        this.parties = parties;
        this.arrivedKey = "barrier/" + name + "/arrived";
        this.outcomeKey = "barrier/" + name + "/done";
    }

    /**
     * Arrives at the barrier of this name in the store and returns once it passed; see {@link KVStore#barrier}. The
     * arguments are validated by the caller.
     */
    static void await(KVStore store, String name, int parties, Duration timeout) {
        new SingleUseBarrier(store, name, parties).await(timeout);
    }

    private void await(Duration timeout) {
        Optional<String> earlier = store.get(outcomeKey);
        if (earlier.isPresent()) {
            throw reused(earlier.get());
        }
        long arrival = store.add(arrivedKey, 1);
        if (arrival > parties) {
            throw new KVStoreConflictException("barrier '" + name + "' has " + parties + " parties, but this is "
                    + "arrival number " + arrival + ": more callers than parties used this name. A barrier name is "
                    + "single-use: give each round its own name.");
        }
        String outcome;
        if (arrival == parties) {
            outcome = settle(PASSED);
        } else {
            try {
                outcome = new String(store.waitForKey(outcomeKey, timeout), StandardCharsets.UTF_8);
            } catch (KVStoreTimeoutException e) {
                long arrived = arrivals();
                outcome = settle(BROKEN);
                if (outcome.equals(BROKEN)) {
                    throw new KVStoreTimeoutException("barrier '" + name + "' timed out after " + timeout + ": "
                            + arrived + " of " + parties + " parties arrived, " + (parties - arrived) + " missing. "
                            + "The barrier is now broken: callers still waiting fail too, and later calls with "
                            + "this name get KVStoreConflictException; use a new name to try again.", e);
                }
                // The last arrival set '1' first: every party, this one included, was there.
            }
        }
        if (!outcome.equals(PASSED)) {
            long arrived = arrivals();
            throw new KVStoreTimeoutException("barrier '" + name + "' broke: another caller timed out while "
                    + arrived + " of " + parties + " parties had arrived, so it will never pass. Use a new name to "
                    + "try again.");
        }
    }

    /** @return how many parties arrived at the barrier, by its counter (0 if it is missing or no number) */
    private long arrivals() {
        return store.getBytes(arrivedKey).map(value -> DecimalText.parse(value).orElse(0)).orElse(0L);
    }

    /**
     * Sets the barrier's outcome if none is set yet.
     *
     * @return the outcome that holds now: the proposed one, or the one another caller set first
     */
    private String settle(String proposed) {
        byte[] value = proposed.getBytes(StandardCharsets.UTF_8);
        if (store.compareAndSet(outcomeKey, null, value)) {
            // Wake waiters also on a server whose compare-and-set does not (the value cannot change any more).
            store.setBytes(outcomeKey, value);
            return proposed;
        }
        return store.get(outcomeKey).orElseThrow(() -> new KVStoreException("barrier outcome '" + outcomeKey
                + "' was neither set by this caller nor readable afterwards (deleted while in use?)"));
    }

    private KVStoreConflictException reused(String outcome) {
        String what = outcome.equals(PASSED) ? "already passed"
                : "is broken (a caller timed out before all " + parties + " parties arrived; it never passes)";
        return new KVStoreConflictException("barrier '" + name + "' " + what + ". A barrier name is single-use: "
                + "give each round its own name, e.g. with a round number.");
    }
}
