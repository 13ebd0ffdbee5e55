package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import dev.kvstore.tcp.protocol.ReplyCodes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The store's data and its semantics, as PyTorch's TCPStore server defines them: values, queues, the clients
 * waiting for keys, and (1.13/2.0) the clients watching keys. Owned by the event-loop thread; only the counters are
 * read from other threads.
 *
 * <p>Memory is bounded: the stored keys and values (queues included) by {@link ServerLimits#maxStoreBytes()}, what a
 * connection's pending WAITs and watches hold by {@link ServerLimits#maxRequestBytes()}. A request past either is
 * refused with a {@link ProtocolViolation} before anything changes.
 */
final class StoreState {

    /** Watch notification types of PyTorch 1.13/2.0 (WatchResponseType). */
    static final int KEY_UPDATED = 0;
    static final int KEY_CREATED = 1;
    static final int KEY_DELETED = 2;

    private static final byte[] EMPTY = new byte[0];

    /** A WAIT that is not answered yet: the keys not written since it arrived. */
    static final class Waiter {
        final Connection client;
        final Set<String> pending;
        final long sinceNanos = System.nanoTime();
        /** What this wait counts against its connection's {@link Connection#heldBytes}. */
        final long charge;

        Waiter(Connection client, Set<String> pending, long charge) {
            this.client = client;
            this.pending = pending;
            this.charge = charge;
        }
    }

    private final Map<String, byte[]> values = new HashMap<>();
    private final Map<String, ArrayDeque<byte[]>> queues = new HashMap<>();
    private final Map<String, LinkedHashSet<Waiter>> waitersByKey = new HashMap<>();
    private final Map<String, LinkedHashSet<Connection>> watchersByKey = new HashMap<>();
    private final ServerLimits limits;
    private final List<KeyChangeListener> changeListeners = new ArrayList<>();
    private volatile int keyCount;
    private volatile int waiterCount;
    private volatile long storedBytes;

    StoreState(ServerLimits limits) {
        this.limits = limits;
    }

    StoreState() {
        this(ServerLimits.defaults());
    }

    int keyCount() {
        return keyCount;
    }

    /** Adds a listener told of every key change and forgotten connection; see {@link KeyChangeListener}. */
    void addChangeListener(KeyChangeListener listener) {
        changeListeners.add(listener);
    }

    /** @return WAITs not answered yet, over all connections */
    int waiterCount() {
        return waiterCount;
    }

    /** @return bytes of the keys and values stored, queues included: what {@code maxStoreBytes} limits */
    long storedBytes() {
        return storedBytes;
    }

    /** @throws ProtocolViolation if the store would grow past {@code maxStoreBytes}; nothing is stored then */
    void set(String key, byte[] value) throws ProtocolViolation {
        byte[] current = values.get(key);
        requireRoom(current == null ? key.length() + (long) value.length : value.length - (long) current.length, key);
        store(key, value);
    }

    private void store(String key, byte[] value) {
        byte[] old = values.put(key, value);
        storedBytes += old == null ? key.length() + (long) value.length : value.length - (long) old.length;
        keyCount = values.size();
        keyWritten(key, old, value);
    }

    /** Stores all pairs, or none if they would not fit. */
    void multiSet(List<String> keys, List<byte[]> newValues) throws ProtocolViolation {
        Map<String, Integer> lengthAfter = new HashMap<>();
        long growth = 0;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Integer before = lengthAfter.get(key);
            if (before == null) {
                byte[] current = values.get(key);
                before = current == null ? null : current.length;
            }
            growth += before == null ? key.length() + (long) newValues.get(i).length
                    : newValues.get(i).length - (long) before;
            lengthAfter.put(key, newValues.get(i).length);
        }
        requireRoom(growth, keys.isEmpty() ? "" : keys.get(0));
        for (int i = 0; i < keys.size(); i++) {
            store(keys.get(i), newValues.get(i));
        }
    }

    private void requireRoom(long growth, String key) throws ProtocolViolation {
        if (growth > 0 && storedBytes + growth > limits.maxStoreBytes()) {
            throw new ProtocolViolation(Refusal.STORE_FULL, "storing " + growth + " more bytes at "
                    + WireKeys.display(key) + " would exceed the store limit of " + limits.maxStoreBytes()
                    + " bytes (" + storedBytes + " bytes stored; maxStoreBytes, kvstore.tcp.server.max-store-size)");
        }
    }

    /**
     * @return the reply of COMPARE_SET: missing key and empty expected stores desired; missing key and non-empty
     *     expected stores nothing and returns expected; a present key is replaced if equal to expected, and the
     *     value after the step is returned
     */
    byte[] compareSet(String key, byte[] expected, byte[] desired) throws ProtocolViolation {
        byte[] current = values.get(key);
        if (current == null) {
            if (expected.length > 0) {
                return expected;
            }
            set(key, desired);
            return desired;
        }
        if (Arrays.equals(current, expected)) {
            set(key, desired);
            return desired;
        }
        return current;
    }

    /** @return the stored value, or {@code null} */
    byte[] get(String key) {
        return values.get(key);
    }

    /**
     * Adds to the decimal number stored at the key (missing counts as 0) and stores the sum as decimal text.
     *
     * @throws ProtocolViolation if the stored value is no number or the sum overflows; the value is untouched then
     */
    long add(String key, long delta) throws ProtocolViolation {
        long sum = sum(key, values.get(key), delta);
        set(key, DecimalText.format(sum));
        return sum;
    }

    /**
     * The ADD rule, here and in a gateway: the stored decimal number (missing counts as 0) plus the delta.
     *
     * @throws ProtocolViolation if the stored value is no number or the sum overflows
     */
    static long sum(String key, byte[] current, long delta) throws ProtocolViolation {
        if (current == null) {
            return delta;
        }
        long stored = DecimalText.parse(current).orElseThrow(() -> new ProtocolViolation(
                "ADD to " + WireKeys.display(key) + " whose value is not a decimal number: "
                        + WireKeys.displayValue(current)));
        try {
            return Math.addExact(stored, delta);
        } catch (ArithmeticException e) {
            throw new ProtocolViolation("ADD of " + delta + " to " + WireKeys.display(key) + " (" + stored
                    + ") overflows a signed 64-bit number");
        }
    }

    /** @return whether every key is set or names a non-empty queue */
    boolean check(List<String> keys) {
        for (String key : keys) {
            if (!isReady(key)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Answers STOP_WAITING now if all keys are ready, else once each missing key has been written.
     *
     * @throws ProtocolViolation if the connection's pending waits would hold more than {@code maxRequestBytes}
     */
    void await(Connection client, List<String> keys) throws ProtocolViolation {
        Set<String> pending = new LinkedHashSet<>();
        long charge = ServerLimits.HELD_KEY_OVERHEAD;
        for (String key : keys) {
            if (!isReady(key) && pending.add(key)) {
                charge += key.length() + ServerLimits.HELD_KEY_OVERHEAD;
            }
        }
        if (pending.isEmpty()) {
            client.send(Replies.u8(ReplyCodes.STOP_WAITING));
            return;
        }
        hold(client, charge, "pending WAITs");
        Waiter waiter = new Waiter(client, pending, charge);
        for (String key : pending) {
            waitersByKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(waiter);
        }
        client.waits.add(waiter);
        waiterCount++;
    }

    /** Forgets the client's pending WAITs (CANCEL_WAIT, disconnect). @return how many there were */
    int cancelWaits(Connection client) {
        int cancelled = client.waits.size();
        for (Waiter waiter : client.waits) {
            for (String key : waiter.pending) {
                unregister(waiter, key);
            }
            client.heldBytes -= waiter.charge;
        }
        client.waits.clear();
        waiterCount -= cancelled;
        return cancelled;
    }

    /** Forgets everything the client holds: waits and watches. */
    void forget(Connection client) {
        cancelWaits(client);
        for (String key : client.watchedKeys) {
            LinkedHashSet<Connection> watchers = watchersByKey.get(key);
            if (watchers != null) {
                watchers.remove(client);
                if (watchers.isEmpty()) {
                    watchersByKey.remove(key);
                }
            }
        }
        client.watchedKeys.clear();
        client.heldBytes = 0;
        for (KeyChangeListener listener : changeListeners) {
            listener.forgotten(client);
        }
    }

    /** Pending waits and watches are bounded per connection, so that pipelining them cannot exhaust memory. */
    private void hold(Connection client, long charge, String what) throws ProtocolViolation {
        if (client.heldBytes + charge > limits.maxRequestBytes()) {
            throw new ProtocolViolation(Refusal.OVERSIZE, what + " of this connection would hold " + (client.heldBytes + charge)
                    + " bytes, more than the limit of " + limits.maxRequestBytes() + " bytes per connection ("
                    + client.waits.size() + " waits, " + client.watchedKeys.size() + " watches pending)");
        }
        client.heldBytes += charge;
    }

    int numKeys() {
        return values.size();
    }

    /** @return 1 if the key existed, else 0 */
    long delete(String key) {
        byte[] old = values.remove(key);
        keyCount = values.size();
        if (old == null) {
            return 0;
        }
        storedBytes -= key.length() + (long) old.length;
        notifyWatchers(KEY_DELETED, key, old, EMPTY);
        for (KeyChangeListener listener : changeListeners) {
            listener.deleted(key);
        }
        return 1;
    }

    void append(String key, byte[] data) throws ProtocolViolation {
        byte[] current = values.get(key);
        if (current == null) {
            set(key, data);
            return;
        }
        set(key, joined(key, current, data, limits));
    }

    /** The APPEND rule, here and in a gateway: the value with the data appended, within {@code maxValueBytes}. */
    static byte[] joined(String key, byte[] current, byte[] data, ServerLimits limits) throws ProtocolViolation {
        if (current.length + (long) data.length > limits.maxValueBytes()) {
            throw new ProtocolViolation(Refusal.OVERSIZE, "APPEND to " + WireKeys.display(key) + " would make its value "
                    + (current.length + (long) data.length) + " bytes long, past the limit of "
                    + limits.maxValueBytes());
        }
        byte[] joined = Arrays.copyOf(current, current.length + data.length);
        System.arraycopy(data, 0, joined, current.length, data.length);
        return joined;
    }

    /** @return the values in key order, or {@code null} if a key is missing */
    List<byte[]> multiGet(List<String> keys) {
        List<byte[]> found = new ArrayList<>(keys.size());
        for (String key : keys) {
            byte[] value = values.get(key);
            if (value == null) {
                return null;
            }
            found.add(value);
        }
        return found;
    }

    /** @return the first missing key of the list, or {@code null} */
    String firstMissing(List<String> keys) {
        for (String key : keys) {
            if (!values.containsKey(key)) {
                return key;
            }
        }
        return null;
    }

    /** Appends to the queue and wakes one client waiting for it. */
    void queuePush(String key, byte[] value) throws ProtocolViolation {
        long growth = value.length + (queues.containsKey(key) ? 0L : key.length());
        requireRoom(growth, key);
        queues.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(value);
        storedBytes += growth;
        wakeOneWaiter(key);
    }

    /** @return the queue's length before the pop, and the popped value (or null if it was empty) */
    QueuePop queuePop(String key) {
        ArrayDeque<byte[]> queue = queues.get(key);
        if (queue == null || queue.isEmpty()) {
            return new QueuePop(0, null);
        }
        int length = queue.size();
        byte[] value = queue.pollFirst();
        storedBytes -= value.length;
        if (queue.isEmpty()) {
            queues.remove(key);
            storedBytes -= key.length();
        }
        return new QueuePop(length, value);
    }

    record QueuePop(long lengthBefore, byte[] value) {
    }

    long queueLength(String key) {
        ArrayDeque<byte[]> queue = queues.get(key);
        return queue == null ? 0 : queue.size();
    }

    List<String> listKeys() {
        return new ArrayList<>(values.keySet());
    }

    /** Registers a 1.13/2.0 watch: the client gets a notification each time the key changes. */
    void watch(Connection client, String key) throws ProtocolViolation {
        if (client.watchedKeys.contains(key)) {
            return;
        }
        hold(client, key.length() + ServerLimits.HELD_KEY_OVERHEAD, "watches");
        watchersByKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(client);
        client.watchedKeys.add(key);
    }

    /**
     * Describes the WAITs pending for at least {@code minAgeNanos}, for progress log lines.
     *
     * @return {@code null} if there are none
     */
    String describeLongWaits(long nowNanos, long minAgeNanos) {
        Map<String, Integer> waitingByKey = new HashMap<>();
        long oldest = 0;
        for (Map.Entry<String, LinkedHashSet<Waiter>> entry : waitersByKey.entrySet()) {
            for (Waiter waiter : entry.getValue()) {
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

    /** @return the stored values, read-only, for snapshots on the event-loop thread */
    Map<String, byte[]> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** @return the keys waited for and not ready, with their waiters, read-only, for snapshots on the loop thread */
    Map<String, ? extends Set<Waiter>> waitersByKey() {
        return java.util.Collections.unmodifiableMap(waitersByKey);
    }

    private boolean isReady(String key) {
        if (values.containsKey(key)) {
            return true;
        }
        ArrayDeque<byte[]> queue = queues.get(key);
        return queue != null && !queue.isEmpty();
    }

    private void keyWritten(String key, byte[] old, byte[] value) {
        keyReady(key);
        notifyWatchers(old == null ? KEY_CREATED : KEY_UPDATED, key, old == null ? EMPTY : old, value);
        for (KeyChangeListener listener : changeListeners) {
            listener.written(key, value);
        }
    }

    /** Answers the waits for which this key was the last one missing: it was written (here or, for a gateway, in etcd). */
    void keyReady(String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.remove(key);
        if (waiters != null) {
            for (Waiter waiter : waiters) {
                waiter.pending.remove(key);
                if (waiter.pending.isEmpty()) {
                    answer(waiter);
                }
            }
        }
    }

    /** A pushed queue item can satisfy one waiter; prefer one that waits for nothing else. */
    void wakeOneWaiter(String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.get(key);
        if (waiters == null) {
            return;
        }
        Waiter chosen = null;
        for (Waiter waiter : waiters) {
            if (waiter.pending.size() == 1) {
                chosen = waiter;
                break;
            }
        }
        if (chosen == null) {
            chosen = waiters.iterator().next();
        }
        unregister(chosen, key);
        chosen.pending.remove(key);
        if (chosen.pending.isEmpty()) {
            answer(chosen);
        }
    }

    private void answer(Waiter waiter) {
        waiter.client.waits.remove(waiter);
        waiter.client.heldBytes -= waiter.charge;
        waiterCount--;
        waiter.client.send(Replies.u8(ReplyCodes.STOP_WAITING));
    }

    private void unregister(Waiter waiter, String key) {
        LinkedHashSet<Waiter> waiters = waitersByKey.get(key);
        if (waiters != null) {
            waiters.remove(waiter);
            if (waiters.isEmpty()) {
                waitersByKey.remove(key);
            }
        }
    }

    void notifyWatchers(int type, String key, byte[] oldValue, byte[] newValue) {
        LinkedHashSet<Connection> watchers = watchersByKey.get(key);
        if (watchers == null) {
            return;
        }
        for (Connection watcher : watchers) {
            watcher.send(Replies.watchNotification(type, key, oldValue, newValue));
        }
    }
}
