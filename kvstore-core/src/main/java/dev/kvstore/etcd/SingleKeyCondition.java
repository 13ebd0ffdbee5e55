package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreTimeoutException;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** waitForKey (any value) and waitForValue (one exact value) on a single key. */
final class SingleKeyCondition extends WaitCondition<byte[]> {

    private final String fullKey;
    private final byte[] expected;
    private byte[] current;

    /** @param expected the value to wait for, or {@code null} to wait for the key to exist */
    SingleKeyCondition(String fullKey, byte[] expected) {
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
    byte[] result() {
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
        return "key '" + fullKey + "' does not hold '" + new String(expected, StandardCharsets.UTF_8) + "'";
    }

    @Override
    KVStoreTimeoutException timeout(Duration timeout) {
        return expected == null
                ? KVStoreTimeoutException.forKey(fullKey, timeout)
                : KVStoreTimeoutException.forValue(fullKey, expected, current, timeout);
    }
}
