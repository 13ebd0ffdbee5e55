package dev.kvstore.tcp.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's stall log: every {@code interval}, one INFO line per key that clients have waited for longer than
 * {@code threshold}, naming the waiting clients, so that a hung rendezvous says whom it waits for. Rate-limited: at
 * most {@value #MAX_KEYS_PER_REPORT} key lines per report (longest waited for first) and one line counting the rest.
 * Runs on the event-loop thread.
 */
final class StallLog {

    static final int MAX_KEYS_PER_REPORT = 10;
    static final int MAX_CLIENTS_PER_LINE = 10;

    private final Logger log;
    private final String address;
    private final long intervalNanos;
    private final long thresholdNanos;
    private long nextReport;

    StallLog(String address, Duration interval, Duration threshold) {
        this(LoggerFactory.getLogger(TcpStoreServer.class), address, interval.toNanos(), threshold.toNanos());
    }

    StallLog(Logger log, String address, long intervalNanos, long thresholdNanos) {
        this.log = log;
        this.address = address;
        this.intervalNanos = intervalNanos;
        this.thresholdNanos = thresholdNanos;
        this.nextReport = System.nanoTime() + intervalNanos;
    }

    long nanosUntilDue(long now) {
        return nextReport - now;
    }

    void reportIfDue(long now, KeyWaiters waiters) {
        if (now - nextReport < 0) {
            return;
        }
        nextReport = now + intervalNanos;
        if (waiters.waiterCount() == 0 || !log.isInfoEnabled()) {
            return;
        }
        List<Stalled> stalled = new ArrayList<>();
        for (Map.Entry<String, ? extends Set<KeyWaiters.Waiter>> entry : waiters.waitersByKey().entrySet()) {
            long oldest = now;
            for (KeyWaiters.Waiter waiter : entry.getValue()) {
                oldest = Math.min(oldest, waiter.sinceNanos);
            }
            if (now - oldest >= thresholdNanos) {
                stalled.add(new Stalled(entry.getKey(), now - oldest, entry.getValue()));
            }
        }
        stalled.sort(Comparator.comparingLong(Stalled::ageNanos).reversed());
        for (Stalled key : stalled.subList(0, Math.min(stalled.size(), MAX_KEYS_PER_REPORT))) {
            List<String> clients = new ArrayList<>();
            for (KeyWaiters.Waiter waiter : key.waiters) {
                if (clients.size() == MAX_CLIENTS_PER_LINE) {
                    clients.add("...");
                    break;
                }
                clients.add(waiter.client.peer());
            }
            log.info("TCPStore server on {}: key {} is missing; {} client(s) have waited for it up to {} s: {}",
                    address, WireKeys.display(key.name), key.waiters.size(),
                    TimeUnit.NANOSECONDS.toSeconds(key.ageNanos), String.join(", ", clients));
        }
        if (stalled.size() > MAX_KEYS_PER_REPORT) {
            log.info("TCPStore server on {}: {} more key(s) have been waited for longer than {} s", address,
                    stalled.size() - MAX_KEYS_PER_REPORT, TimeUnit.NANOSECONDS.toSeconds(thresholdNanos));
        }
    }

    private record Stalled(String name, long ageNanos, Set<KeyWaiters.Waiter> waiters) {
    }
}
