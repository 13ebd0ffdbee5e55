package dev.kvstore.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounded exponential backoff: pauses start at {@code first} and double up to {@code max}; {@link #reset()} after a
 * success starts again at {@code first}. Not thread-safe: one instance per loop.
 */
public final class Backoff {

    private final long firstNanos;
    private final long maxNanos;
    private long nextNanos;

    /**
     * @param first the first pause
     * @param max the longest pause
     */
    public Backoff(Duration first, Duration max) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + " and " + max);
        }
        this.firstNanos = first.toNanos();
        this.maxNanos = max.toNanos();
        this.nextNanos = firstNanos;
    }

    /** Starts again at the first pause. */
    public void reset() {
        nextNanos = firstNanos;
    }

    /** @return the pause to take now, in nanoseconds; the one after it is twice as long (up to the maximum) */
    public long nextNanos() {
        long pause = nextNanos;
        nextNanos = Math.min(nextNanos * 2, maxNanos);
        return pause;
    }

    /**
     * Sleeps the next pause, never past the deadline (returns at once when it has passed).
     *
     * @throws InterruptedException if the thread is interrupted while sleeping
     */
    public void sleep(Deadline deadline) throws InterruptedException {
        long pause = Math.min(nextNanos(), deadline.nanosLeft());
        if (pause > 0) {
            TimeUnit.NANOSECONDS.sleep(pause);
        }
    }
}
