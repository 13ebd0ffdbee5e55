package dev.kvstore.tcp;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs what a long wait still misses: at DEBUG when it starts, then every interval (30 s) at INFO. */
final class WaitProgress {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);

    private final String what;
    private final Supplier<String> state;
    private final long start = System.nanoTime();
    private final Duration interval;
    private long nextLog;

    /**
     * @param what the wait, for the log lines
     * @param state what is still missing, asked once per interval
     */
    WaitProgress(Duration interval, String what, Supplier<String> state) {
        this.interval = interval;
        this.what = what;
        this.state = state;
        this.nextLog = start + interval.toNanos();
        log.debug("Waiting: {}", what);
    }

    /** @return nanoseconds until the next log line is due (at least a millisecond): how long a slice may block */
    long nanosToNextLog() {
        return Math.max(1_000_000, nextLog - System.nanoTime());
    }

    /** Logs the state if the interval has passed since the last line. */
    void maybeLog() {
        long now = System.nanoTime();
        if (now - nextLog < 0) {
            return;
        }
        nextLog = now + interval.toNanos();
        String current;
        try {
            current = state.get();
        } catch (RuntimeException e) {
            current = "state unknown (" + e.getMessage() + ")";
        }
        log.info("Still waiting after {} s: {}: {}", Duration.ofNanos(now - start).toSeconds(), what, current);
    }
}
