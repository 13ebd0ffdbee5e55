package dev.kvstore.tcp.server;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DEBUG summary, every 30 s, of the waits pending 30 s and more: how long, and the most awaited keys. The
 * {@link StallLog} reports stalled keys one by one at INFO. Runs on the event-loop thread.
 */
final class LongWaitReport {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    /** Waits pending this long are reported, this often. */
    static final long LONG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String address;
    private long nextReport = System.nanoTime() + LONG_WAIT_NANOS;

    LongWaitReport(String address) {
        this.address = address;
    }

    long nanosUntilDue(long now) {
        return nextReport - now;
    }

    void reportIfDue(long now, KeyWaiters waiters) {
        if (now - nextReport < 0) {
            return;
        }
        nextReport = now + LONG_WAIT_NANOS;
        if (waiters.waiterCount() == 0 || !log.isDebugEnabled()) {
            return;
        }
        String summary = describe(waiters, now, LONG_WAIT_NANOS);
        if (summary != null) {
            log.debug("TCPStore server on {}: {}", address, summary);
        }
    }

    /**
     * Describes the WAITs pending for at least {@code minAgeNanos}, for progress log lines.
     *
     * @return {@code null} if there are none
     */
    static @Nullable String describe(KeyWaiters waiters, long nowNanos, long minAgeNanos) {
        Map<String, Integer> waitingByKey = new HashMap<>();
        long oldest = 0;
        for (Map.Entry<String, ? extends Set<KeyWaiters.Waiter>> entry : waiters.waitersByKey().entrySet()) {
            for (KeyWaiters.Waiter waiter : entry.getValue()) {
                long age = nowNanos - waiter.sinceNanos;
                if (age >= minAgeNanos) {
                    waitingByKey.merge(entry.getKey(), 1, Integer::sum);
                    oldest = Math.max(oldest, age);
                }
            }
        }
        if (waitingByKey.isEmpty()) {
            return null;
        }
        StringBuilder keys = new StringBuilder();
        waitingByKey.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(5)
                .forEach(e -> keys.append(keys.length() == 0 ? "" : ", ")
                        .append(WireKeys.display(e.getKey())).append(" (").append(e.getValue()).append(')'));
        return "clients have waited up to " + TimeUnit.NANOSECONDS.toSeconds(oldest) + " s for "
                + waitingByKey.size() + " missing key(s), most awaited (waiting clients): " + keys
                + (waitingByKey.size() > 5 ? ", ..." : "");
    }
}
