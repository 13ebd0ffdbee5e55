package dev.kvstore.internal;

import java.time.Duration;

/**
 * A point on the {@link System#nanoTime()} clock by which something must be done. A timeout of years stands for "no
 * timeout": it is capped at {@link #CAP_NANOS} so that adding it to the clock cannot overflow.
 */
public final class Deadline {

    /** The longest timeout kept as given (about 73 years); longer ones are capped to it. */
    public static final long CAP_NANOS = Long.MAX_VALUE / 4;

    private final long at;

    private Deadline(long at) {
        this.at = at;
    }

    /** @return the deadline {@code timeout} from now (a negative timeout has passed already) */
    public static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + cappedNanos(timeout));
    }

    /** @return the timeout in nanoseconds, within 0 and {@link #CAP_NANOS} */
    public static long cappedNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        return timeout.compareTo(Duration.ofNanos(CAP_NANOS)) >= 0 ? CAP_NANOS : timeout.toNanos();
    }

    /** @return nanoseconds left, 0 once passed */
    public long nanosLeft() {
        return Math.max(0, at - System.nanoTime());
    }

    /** @return the time left, zero once passed */
    public Duration left() {
        return Duration.ofNanos(nanosLeft());
    }

    /** @return whether the deadline has passed */
    public boolean hasPassed() {
        return at - System.nanoTime() <= 0;
    }

    @Override
    public String toString() {
        return "Deadline[" + left() + " left]";
    }
}
