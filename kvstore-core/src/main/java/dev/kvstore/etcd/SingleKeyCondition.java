package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Printable;
import io.etcd.jetcd.KeyValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** waitForKey (any value) and waitForValue (one exact value) on a single key. */
final class SingleKeyCondition extends WaitCondition<byte[]> {

    private final String fullKey;
    private final byte @Nullable [] expected;
    private byte @Nullable [] current;

    /** @param expected the value to wait for, or {@code null} to wait for the key to exist */
    SingleKeyCondition(String fullKey, byte @Nullable [] expected) {
        this.fullKey = fullKey;
        this.expected = expected;
    }

    @Override
    void reset(List<KeyValue> kvs) {
        current = kvs.isEmpty() ? null : kvs.get(0).getValue().getBytes();
    }

    @Override
    void put(KeyValue kv) {
        current = kv.getValue().getBytes();
    }

    @Override
    void delete(KeyValue kv) {
        current = null;
    }

    @Override
    byte @Nullable [] result() {
        if (current == null) {
            return null;
        }
        return expected == null || Arrays.equals(current, expected) ? current : null;
    }

    @Override
    String missing() {
        if (expected == null) {
            return "key '" + fullKey + "' does not exist";
        }
        return "key '" + fullKey + "' does not hold '" + Printable.of(expected) + "'";
    }

    @Override
    KVStoreTimeoutException timeout(Duration timeout) {
        return expected == null
                ? KVStoreTimeoutException.forKey(fullKey, timeout)
                : KVStoreTimeoutException.forValue(fullKey, expected, current, timeout);
    }
}
