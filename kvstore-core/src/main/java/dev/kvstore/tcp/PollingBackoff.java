package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreException;

/**
 * Bounded exponential backoff for what the TCPStore protocol cannot block on (a value changing, k of n keys, the
 * worker count): 1 ms doubling up to 64 ms, back to 1 ms whenever something changed.
 */
final class PollingBackoff {

    private static final long FIRST_NANOS = 1_000_000;
    private static final long MAX_NANOS = 64_000_000;
    private long next = FIRST_NANOS;

    /** Something changed: poll again soon. */
    void reset() {
        next = FIRST_NANOS;
    }

    /** Sleeps the current step (never past the deadline, a {@link System#nanoTime()} value) and doubles it. */
    void sleep(long deadline) {
        long nanos = Math.min(next, Math.max(0, deadline - System.nanoTime()));
        next = Math.min(next * 2, MAX_NANOS);
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted while waiting on the TCPStore", e);
        }
    }
}
