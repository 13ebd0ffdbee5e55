package dev.kvstore.tcp.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Aggregates the WARN lines about misbehaving connections (oversize requests, protocol violations, budget and
 * timeout closes, clients vanishing mid-request): one line per interval with a count per reason and the last example
 * of each, instead of one line per connection, so that an attack of thousands of connections cannot flood the log.
 * Each event is still logged at DEBUG. Owned by the event-loop thread.
 */
final class HostileConnectionLog {

    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String address;
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, String> lastExample = new LinkedHashMap<>();
    /** The first event after a quiet interval is reported at once. */
    private long nextReportNanos = System.nanoTime();

    HostileConnectionLog(Logger log, String address) {
        this.log = log;
        this.address = address;
    }

    void record(String reason, String peer, String detail) {
        counts.merge(reason, 1, Integer::sum);
        lastExample.put(reason, peer + ": " + detail);
        log.debug("Closing TCPStore connection from {} ({}): {}", peer, reason, detail);
    }

    /** @return when {@link #reportIfDue} has something to say, or {@link Long#MAX_VALUE} relative to now if never */
    long nanosUntilDue(long now) {
        return counts.isEmpty() ? Long.MAX_VALUE : Math.max(0, nextReportNanos - now);
    }

    void reportIfDue(long now) {
        if (counts.isEmpty() || now - nextReportNanos < 0) {
            return;
        }
        nextReportNanos = now + INTERVAL_NANOS;
        int total = 0;
        StringBuilder reasons = new StringBuilder();
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            total += entry.getValue();
            reasons.append(reasons.length() == 0 ? "" : "; ").append(entry.getKey()).append(": ")
                    .append(entry.getValue()).append(" (last: ").append(lastExample.get(entry.getKey())).append(')');
        }
        counts.clear();
        lastExample.clear();
        log.warn("TCPStore server on {} closed {} misbehaving connection(s) since its last report (at most one "
                + "report per {} s); other clients are unaffected. {}", address, total,
                TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS), reasons);
    }
}
