package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A rank that writes until stopped and remembers what the store acknowledged: distinct keys
 * {@code {prefix}/{n}} = {@code v{n}} by {@code set}, and one counter incremented by {@code add(counter, 1)} after
 * each set. A write that failed may still have been applied (its answer was lost), so failed writes are counted
 * apart: afterwards every acknowledged key must hold its value, and the counter must lie between the acknowledged
 * adds and the acknowledged plus failed adds (an add applied twice would exceed that).
 */
final class AcknowledgingWriter implements Runnable {

    private final KVStore store;
    private final String prefix;
    private final String counter;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger acknowledgedAdds = new AtomicInteger();
    private final AtomicInteger failedAdds = new AtomicInteger();
    private final List<KVStoreException> failures = new CopyOnWriteArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long pauseNanos;
    private volatile boolean stopped;

    AcknowledgingWriter(KVStore store, String prefix, String counter) {
        this(store, prefix, counter, Duration.ZERO);
    }

    /** @param pause a pause after each set and add, to limit the load of long runs */
    AcknowledgingWriter(KVStore store, String prefix, String counter, Duration pause) {
        this.store = store;
        this.prefix = prefix;
        this.counter = counter;
        this.pauseNanos = pause.toNanos();
    }

    @Override
    public void run() {
        try {
            for (int n = 0; !stopped && !Thread.currentThread().isInterrupted(); n++) {
                String key = prefix + "/" + n;
                String value = "v" + n;
                try {
                    store.set(key, value);
                    acknowledged.put(key, value);
                } catch (KVStoreException e) {
                    failures.add(e);
                }
                try {
                    store.add(counter, 1);
                    acknowledgedAdds.incrementAndGet();
                } catch (KVStoreException e) {
                    failures.add(e);
                    failedAdds.incrementAndGet();
                }
                if (pauseNanos > 0) {
                    LockSupport.parkNanos(pauseNanos);
                }
            }
        } finally {
            finished.countDown();
        }
    }

    void stop() {
        stopped = true;
    }

    /** Opens when {@link #run()} has returned. */
    CountDownLatch finished() {
        return finished;
    }

    int acknowledgedSets() {
        return acknowledged.size();
    }

    @Override
    public String toString() {
        return "writer of " + prefix + ": " + acknowledged.size() + " acknowledged sets, " + acknowledgedAdds.get()
                + " acknowledged adds, " + failures.size() + " failures"
                + failures.stream().map(e -> e.getClass().getSimpleName() + ": " + e.getMessage()).distinct()
                .limit(3).toList();
    }

    /** Every failed set or add, in order. */
    List<KVStoreException> failures() {
        return failures;
    }

    /** @return a copy of the keys and values acknowledged so far; the writer may still run */
    Map<String, String> acknowledgedSoFar() {
        return Map.copyOf(acknowledged);
    }

    /**
     * Asserts (after {@link #finished()}) that every acknowledged write is readable and that the counter counts every
     * acknowledged add, and no add twice.
     *
     * @param read reads a key (relative to the store's component), e.g. {@code store::get}
     */
    void assertAcknowledgedWritesIn(Function<String, Optional<String>> read) {
        acknowledged.forEach((key, value) -> assertThat(read.apply(key)).as("acknowledged key %s", key)
                .contains(value));
        long count = read.apply(counter).map(Long::parseLong).orElse(0L);
        assertThat(count).as("counter %s after %d acknowledged and %d failed adds", counter, acknowledgedAdds.get(),
                failedAdds.get()).isBetween((long) acknowledgedAdds.get(),
                (long) acknowledgedAdds.get() + failedAdds.get());
    }
}
