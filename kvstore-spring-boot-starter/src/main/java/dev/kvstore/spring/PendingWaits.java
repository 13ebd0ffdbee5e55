package dev.kvstore.spring;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The waits and barriers this process runs through a {@link ManagedKVStore} (and its component views) right now:
 * what the {@code kvstore} endpoint shows as "this process's pending waits", on every backend. Thread-safe; an entry
 * lives exactly as long as its call.
 */
public final class PendingWaits {

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

    private final AtomicLong ids = new AtomicLong();

    /**
     * A wait in progress.
     * @param operation the waiting operation (a wait or a barrier)
     * @param component the component of the store or view that waits
     * @param key the key, key pattern or barrier name waited for
     * @param thread the name of the waiting thread
     * @param since when the wait started
     * @param age how long it has waited
     */
    public record PendingWait(KVStoreOperation operation, String component, String key, String thread, Instant since,
            Duration age) {
    }

    private record Entry(KVStoreOperation operation, String component, String key, String thread, Instant since,
            long startNanos) {
    }

    /**
     * Registers a wait until the returned handle is closed.
     * @return closes the entry; call it when the wait returns or throws
     */
    Registration start(KVStoreOperation operation, String component, String key) {
        long id = this.ids.incrementAndGet();
        this.entries.put(id, new Entry(operation, component, String.valueOf(key), Thread.currentThread().getName(),
                Instant.now(), System.nanoTime()));
        return () -> this.entries.remove(id);
    }

    /**
     * @param limit the most waits to return
     * @return the waits in progress, longest waiting first
     */
    public List<PendingWait> list(int limit) {
        long now = System.nanoTime();
        return this.entries.values()
            .stream()
            .sorted(Comparator.comparingLong(Entry::startNanos))
            .limit(limit)
            .map((entry) -> new PendingWait(entry.operation(), entry.component(), entry.key(), entry.thread(),
                    entry.since(), Duration.ofNanos(now - entry.startNanos())))
            .toList();
    }

    /** @return how many waits are in progress */
    public int count() {
        return this.entries.size();
    }

    /** Ends a registered wait. */
    @FunctionalInterface
    interface Registration extends AutoCloseable {

        @Override
        void close();

    }

}
