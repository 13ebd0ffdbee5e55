package dev.kvstore.tcp.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The keys in the server's memory ({@code kvstore.tcp.server.store=memory}, the default): values and queues, as
 * PyTorch's TCPStore server keeps them. Owned by the event-loop thread: every call answers at once, with a completed
 * stage, and reports its change to the {@link ServerStore.Listener} before it returns; only {@link #keyCount()} and
 * {@link #storedBytes()} are read from other threads. It outlives event-loop restarts.
 *
 * <p>Memory is bounded: every byte of keys and values (queues included) is {@linkplain #charge charged} before it is
 * stored, with what each entry costs on the heap beyond its bytes ({@link #ENTRY_OVERHEAD}) to the server's
 * {@link MemoryBudget}, and {@linkplain #release released} when it goes; a write past the budget or past
 * {@link ServerLimits#maxStoreBytes()} fails
 * with {@link Refusal#STORE_FULL} before anything changes.
 */
final class MemoryServerStore implements ServerStore {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final CompletableFuture<Boolean> DELETED = CompletableFuture.completedFuture(Boolean.TRUE);
    private static final CompletableFuture<Boolean> NOT_DELETED = CompletableFuture.completedFuture(Boolean.FALSE);
    private static final CompletableFuture<Popped> EMPTY_QUEUE = CompletableFuture.completedFuture(new Popped(0, null));

    private final Map<String, byte[]> values = new HashMap<>();
    private final Map<String, ArrayDeque<byte[]>> queues = new HashMap<>();
    private final ServerLimits limits;
    private Listener listener = new Listener() {
        @Override
        public void written(String key, byte @Nullable [] previous, byte[] value) {
        }

        @Override
        public void deleted(String key, byte @Nullable [] previous) {
        }

        @Override
        public void pushed(String key) {
        }

        @Override
        public void missed(String reason) {
        }
    };
    private volatile int keyCount;
    private volatile long storedBytes;

    /**
     * What a stored key costs on the heap beyond its key and value bytes (its map entry, the key's String and array
     * headers, the value's array header, its table slot), as charged to the memory budget: 2.4M keys of 9 bytes with
     * empty values filled a 256 MB heap, about 90 bytes each.
     */
    static final long ENTRY_OVERHEAD = 96;
    /** What a queued value costs beyond its bytes (its array header and queue slot), as charged. */
    static final long QUEUE_ITEM_OVERHEAD = 32;

    private final MemoryBudget budget;

    MemoryServerStore(ServerLimits limits, MemoryBudget budget) {
        this.limits = limits;
        this.budget = budget;
    }

    @Override
    public void open(Listener changes) {
        this.listener = changes;
    }

    @Override
    public long keyCount() {
        return keyCount;
    }

    /** @return bytes of the keys and values stored, queues included: what {@code maxStoreBytes} limits */
    long storedBytes() {
        return storedBytes;
    }

    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
        return CompletableFuture.completedFuture(values.get(key));
    }

    @Override
    public CompletionStage<Void> set(String key, byte[] value) {
        try {
            store(key, value);
            return DONE;
        } catch (ProtocolViolation full) {
            return CompletableFuture.failedFuture(full);
        }
    }

    /** {@link #set}, the refusal thrown: charges the growth, stores the value and reports the write. */
    void store(String key, byte[] value) throws ProtocolViolation {
        byte[] current = values.get(key);
        charge(current == null ? key.length() + (long) value.length : value.length - (long) current.length,
                current == null ? 1 : 0, 0, key);
        put(key, current, value);
    }

    /** Stores the value, whose growth was charged, and reports the write. */
    private void put(String key, byte @Nullable [] current, byte[] value) {
        values.put(key, value);
        keyCount = values.size();
        listener.written(key, current, value);
    }

    @Override
    public CompletionStage<Boolean> delete(String key) {
        byte[] old = values.remove(key);
        if (old == null) {
            return NOT_DELETED;
        }
        keyCount = values.size();
        release(key.length() + (long) old.length, ENTRY_OVERHEAD);
        listener.deleted(key, old);
        return DELETED;
    }

    @Override
    public <R extends @Nullable Object> CompletionStage<R> update(String key, Update<R> update) {
        try {
            Update.Result<R> result = update.apply(values.get(key));
            if (result.value() != null) {
                store(key, result.value());
            }
            return CompletableFuture.completedFuture(result.reply());
        } catch (RefusedUpdate | ProtocolViolation refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    @Override
    public CompletionStage<List<byte @Nullable []>> getAll(List<String> keys) {
        List<byte @Nullable []> found = new ArrayList<>(keys.size());
        for (String key : keys) {
            found.add(values.get(key));
        }
        return CompletableFuture.completedFuture(found);
    }

    /** Stores all pairs, or none if they would not fit. */
    @Override
    public CompletionStage<Void> setAll(List<String> keys, List<byte[]> newValues) {
        Map<String, Integer> lengthAfter = new HashMap<>();
        long growth = 0;
        long newKeys = 0;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Integer before = lengthAfter.get(key);
            if (before == null) {
                byte[] current = values.get(key);
                before = current == null ? null : current.length;
            }
            growth += before == null ? key.length() + (long) newValues.get(i).length
                    : newValues.get(i).length - (long) before;
            if (before == null) {
                newKeys++;
            }
            lengthAfter.put(key, newValues.get(i).length);
        }
        try {
            // once for the request: all pairs or none
            charge(growth, newKeys, 0, keys.isEmpty() ? "" : keys.get(0));
        } catch (ProtocolViolation full) {
            return CompletableFuture.failedFuture(full);
        }
        for (int i = 0; i < keys.size(); i++) {
            put(keys.get(i), values.get(keys.get(i)), newValues.get(i));
        }
        return DONE;
    }

    @Override
    public CompletionStage<Long> count() {
        return CompletableFuture.completedFuture((long) values.size());
    }

    @Override
    public CompletionStage<List<String>> keys() {
        return CompletableFuture.completedFuture(new ArrayList<>(values.keySet()));
    }

    @Override
    public CompletionStage<boolean[]> present(List<String> keys) {
        boolean[] present = new boolean[keys.size()];
        for (int i = 0; i < present.length; i++) {
            present[i] = isReady(keys.get(i));
        }
        return CompletableFuture.completedFuture(present);
    }

    /** Appends to the queue and reports the push (it wakes one client waiting for it). */
    @Override
    public CompletionStage<Void> queuePush(String key, byte[] value) {
        try {
            boolean newQueue = !queues.containsKey(key);
            charge(value.length + (newQueue ? key.length() : 0L), newQueue ? 1 : 0, 1, key);
        } catch (ProtocolViolation full) {
            return CompletableFuture.failedFuture(full);
        }
        queues.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(value);
        listener.pushed(key);
        return DONE;
    }

    @Override
    public CompletionStage<Popped> queuePop(String key) {
        ArrayDeque<byte[]> queue = queues.get(key);
        if (queue == null || queue.isEmpty()) {
            return EMPTY_QUEUE;
        }
        int length = queue.size();
        byte[] value = queue.pollFirst();
        release(value.length, QUEUE_ITEM_OVERHEAD);
        if (queue.isEmpty()) {
            queues.remove(key);
            release(key.length(), ENTRY_OVERHEAD);
        }
        return CompletableFuture.completedFuture(new Popped(length, value));
    }

    @Override
    public CompletionStage<Long> queueLength(String key) {
        ArrayDeque<byte[]> queue = queues.get(key);
        return CompletableFuture.completedFuture(queue == null ? 0L : queue.size());
    }

    /** @return the stored values, read-only, for the prefix watches on the event-loop thread */
    Map<String, byte[]> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Nothing to close: the keys go with the server. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "memory";
    }

    private boolean isReady(String key) {
        if (values.containsKey(key)) {
            return true;
        }
        ArrayDeque<byte[]> queue = queues.get(key);
        return queue != null && !queue.isEmpty();
    }

    /**
     * Counts {@code growth} more bytes and {@code newKeys} more keys as stored (a negative growth gives back), or
     * refuses them past {@code maxStoreBytes} or {@code maxKeys}; charges them with what the new entries cost beyond
     * their bytes ({@link #ENTRY_OVERHEAD} per new key, {@link #QUEUE_ITEM_OVERHEAD} per queued value) to the
     * server's memory budget, or refuses them past it: the one place the store's memory is accounted before anything
     * is stored.
     *
     * @throws ProtocolViolation ({@link Refusal#STORE_FULL}) if the store would pass a limit or the memory budget;
     *     nothing is counted
     */
    private void charge(long growth, long newKeys, int newQueueItems, String key) throws ProtocolViolation {
        if (growth > 0 && storedBytes + growth > limits.maxStoreBytes()) {
            throw new ProtocolViolation(Refusal.STORE_FULL, "storing " + growth + " more bytes at "
                    + WireKeys.display(key) + " would exceed the store limit of " + limits.maxStoreBytes()
                    + " bytes (" + storedBytes + " bytes stored; maxStoreBytes, kvstore.tcp.server.max-store-size)");
        }
        long keys = (long) values.size() + queues.size();
        if (newKeys > 0 && keys + newKeys > limits.maxKeys()) {
            throw new ProtocolViolation(Refusal.STORE_FULL, "storing " + newKeys + " more key(s) at "
                    + WireKeys.display(key) + " would exceed the store's key limit of " + limits.maxKeys() + " ("
                    + keys + " keys stored; maxKeys, kvstore.tcp.server.max-keys)");
        }
        long overhead = newKeys * ENTRY_OVERHEAD + newQueueItems * (long) QUEUE_ITEM_OVERHEAD;
        long cost = growth + overhead;
        if (cost > 0 && !budget.tryChargeStore(cost)) {
            throw new ProtocolViolation(Refusal.STORE_FULL, "storing " + growth + " more bytes at "
                    + WireKeys.display(key) + " (" + cost + " as held on the heap, " + ENTRY_OVERHEAD + " per key "
                    + "beyond its bytes) would pass the three quarters of the server's memory budget of " + budget.limit()
                    + " bytes that stored keys may take ("
                    + budget.used() + " held, " + keyCount + " keys stored; maxMemoryBytes, "
                    + "kvstore.tcp.server.max-memory-size)");
        }
        if (cost < 0) {
            budget.releaseStore(-cost);
        }
        storedBytes += growth;
    }

    /** Counts {@code bytes} as no longer stored, and gives them back with {@code overhead} to the memory budget. */
    private void release(long bytes, long overhead) {
        storedBytes -= bytes;
        budget.releaseStore(bytes + overhead);
    }
}
