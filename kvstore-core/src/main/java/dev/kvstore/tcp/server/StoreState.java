package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The store's data and its semantics, as PyTorch's TCPStore server defines them: values and queues; every write is
 * passed on to the {@link KeyWaiters} (clients waiting for and watching keys) and the {@link StoreStateListener}s.
 * Owned by the event-loop thread; only the counters are read from other threads.
 *
 * <p>Memory is bounded: the stored keys and values (queues included) by {@link ServerLimits#maxStoreBytes()}. A
 * request past it is refused with a {@link ProtocolViolation} before anything changes.
 */
final class StoreState {

    private static final byte[] EMPTY = new byte[0];

    private final Map<String, byte[]> values = new HashMap<>();
    private final Map<String, ArrayDeque<byte[]>> queues = new HashMap<>();
    private final ServerLimits limits;
    private final List<StoreStateListener> changeListeners = new ArrayList<>();
    private final KeyWaiters waiters;
    private volatile int keyCount;
    private volatile long storedBytes;

    StoreState(ServerLimits limits) {
        this.limits = limits;
        this.waiters = new KeyWaiters(limits, this::isReady);
    }

    StoreState() {
        this(ServerLimits.defaults());
    }

    int keyCount() {
        return keyCount;
    }

    /** Adds a listener told of every key change and forgotten connection; see {@link StoreStateListener}. */
    void addChangeListener(StoreStateListener listener) {
        changeListeners.add(listener);
    }

    /** @return the clients waiting for and watching this store's keys */
    KeyWaiters waiters() {
        return waiters;
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

    /** Forgets everything the client holds: waits, watches, and what the change listeners keep for it. */
    void forget(Connection client) {
        waiters.forget(client);
        for (StoreStateListener listener : changeListeners) {
            listener.forgotten(client);
        }
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
        waiters.notifyWatchers(KeyWaiters.KEY_DELETED, key, old, EMPTY);
        for (StoreStateListener listener : changeListeners) {
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
            throw new ProtocolViolation(Refusal.OVERSIZE, "APPEND to " + WireKeys.display(key)
                    + " would make its value " + (current.length + (long) data.length)
                    + " bytes long, past the limit of "
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
        waiters.wakeOneWaiter(key);
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

    /** @return the stored values, read-only, for snapshots on the event-loop thread */
    Map<String, byte[]> values() {
        return Collections.unmodifiableMap(values);
    }

    private boolean isReady(String key) {
        if (values.containsKey(key)) {
            return true;
        }
        ArrayDeque<byte[]> queue = queues.get(key);
        return queue != null && !queue.isEmpty();
    }

    private void keyWritten(String key, byte[] old, byte[] value) {
        waiters.keyReady(key);
        waiters.notifyWatchers(old == null ? KeyWaiters.KEY_CREATED : KeyWaiters.KEY_UPDATED, key,
                old == null ? EMPTY : old, value);
        for (StoreStateListener listener : changeListeners) {
            listener.written(key, value);
        }
    }
}
