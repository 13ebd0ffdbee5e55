package dev.kvstore.internal;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Logs what a long wait still misses: at DEBUG when the wait starts, then every interval at INFO, so that a job stuck
 * on a missing rank says which one without anybody raising a log level. The caller calls {@link #logIfDue()} from its
 * wait loop and wakes up no later than {@link #nanosToNextLog()}.
 */
public final class ProgressLog {

    private final Logger log;
    private final Duration interval;
    private final String what;
    private final Duration timeout;
    private final Supplier<String> state;
    private final long start = System.nanoTime();
    private long nextLog;

    /**
     * @param log the logger of the class that waits
     * @param interval how often to log while the wait lasts
     * @param what the wait, e.g. {@code waitForKey 'ns/c/k'}
     * @param timeout the wait's timeout, for the log line
     * @param state what is still missing, asked each time a line is logged (a failure is logged, not thrown)
     */
    public ProgressLog(Logger log, Duration interval, String what, Duration timeout, Supplier<String> state) {
        this.log = log;
        this.interval = interval;
        this.what = what;
        this.timeout = timeout;
        this.state = state;
        this.nextLog = start + Deadline.cappedNanos(interval);
        log.debug("Waiting up to {}: {}", timeout, what);
    }

    /** @return nanoseconds until the next line is due, at least 1 ms */
    public long nanosToNextLog() {
        return Math.max(1_000_000, nextLog - System.nanoTime());
    }

    /** Logs a line at INFO if the interval has passed since the last one (or since the start). */
    public void logIfDue() {
        long now = System.nanoTime();
        if (now - nextLog < 0) {
            return;
        }
        nextLog = now + Deadline.cappedNanos(interval);
        String current;
        try {
            current = state.get();
        } catch (RuntimeException e) {
            current = "state unknown (" + e.getMessage() + ")";
        }
        log.info("Still waiting after {} s (timeout {}): {}: {}", Duration.ofNanos(now - start).toSeconds(), timeout,
                what, current);
    }
}
