package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeyPattern;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.internal.KeyLayout;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** waitForKeys: enough keys of a component that match a pattern (and optionally hold a value). */
final class KeysCondition extends WaitCondition<List<String>> {

    private final KeyLayout layout;
    private final KeyPattern pattern;
    private final int expectedCount;
    private final byte @Nullable [] value;
    /** Keys relative to the component that match the pattern, with their values. */
    private final Map<String, byte[]> present = new HashMap<>();

    KeysCondition(KeyLayout layout, KeyPattern pattern, int expectedCount, byte @Nullable [] value) {
        this.layout = layout;
        this.pattern = pattern;
        this.expectedCount = expectedCount;
        this.value = value;
    }

    @Override
    void reset(List<KeyValue> kvs) {
        present.clear();
        kvs.forEach(this::put);
    }

    @Override
    void put(KeyValue kv) {
        String key = matchingKey(kv);
        if (key != null) {
            present.put(key, kv.getValue().getBytes());
        }
    }

    @Override
    void delete(KeyValue kv) {
        String key = matchingKey(kv);
        if (key != null) {
            present.remove(key);
        }
    }

    @Override
    List<String> result() {
        List<String> matched = matched();
        return matched.size() >= expectedCount ? matched : null;
    }

    @Override
    String missing() {
        return matched().size() + " of " + expectedCount + " keys matching '" + layout.componentPrefix() + pattern
                + "'";
    }

    @Override
    KVStoreTimeoutException timeout(Duration timeout) {
        return KVStoreTimeoutException.forKeys(layout.componentPrefix(), pattern, value, expectedCount, matched(),
                null, timeout);
    }

    private List<String> matched() {
        return present.entrySet().stream()
                .filter(e -> value == null || Arrays.equals(e.getValue(), value))
                .map(Map.Entry::getKey)
                .sorted(NaturalOrder.INSTANCE)
                .toList();
    }

    private @Nullable String matchingKey(KeyValue kv) {
        String relative = layout.relativeKey(kv.getKey().toString(StandardCharsets.UTF_8));
        return relative != null && pattern.matches(relative) ? relative : null;
    }
}
