package dev.kvstore.api;

import dev.kvstore.internal.KeyLayout;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link KVStore#waitForKeys(KeysQuery, java.time.Duration)} waits for: at least {@code expectedCount} keys of the
 * component that match a pattern and hold a value. Immutable; each {@code with...} method returns a changed copy.
 *
 * <pre>{@code
 * KeysQuery ready = KeysQuery.matching("rank:*}{@code /ready", 4)      // value "1" by default
 *         .withCandidates(List.of("rank:0/ready", "rank:1/ready", "rank:2/ready", "rank:3/ready"));
 * List<String> keys = store.waitForKeys(ready, Duration.ofMinutes(5));
 * }</pre>
 *
 * <p>The candidate keys are the keys that may match (for example one per rank). TCPStore waits for enough of them
 * with the server-side WAIT; with too few it lists the master's keys where the master can (the Java master, PyTorch
 * 2.10+), and needs them where it cannot. etcd reads and watches the component's prefix and ignores them.
 */
public final class KeysQuery {

    private final KeyPattern pattern;
    private final String keyPattern;
    private final int expectedCount;
    private final @Nullable String value;
    private final @Nullable List<String> candidateKeys;

    private KeysQuery(String keyPattern, int expectedCount, @Nullable String value,
            @Nullable List<String> candidateKeys) {
        this.pattern = KeyPattern.compile(keyPattern);
        this.keyPattern = keyPattern;
        if (expectedCount < 1) {
            throw new IllegalArgumentException("expectedCount must be at least 1, got " + expectedCount);
        }
        this.expectedCount = expectedCount;
        this.value = value;
        this.candidateKeys = candidateKeys;
    }

    /**
     * Keys matching the pattern and holding {@value KVStore#DEFAULT_READY_VALUE}, without candidate keys.
     *
     * @param keyPattern pattern relative to the component; {@code *} matches any run of characters (including
     *     {@code /}), everything else matches itself
     * @param expectedCount how many matching keys to wait for, at least 1
     * @throws IllegalArgumentException if the pattern is empty or the count below 1
     */
    public static KeysQuery matching(String keyPattern, int expectedCount) {
        return new KeysQuery(keyPattern, expectedCount, KVStore.DEFAULT_READY_VALUE, null);
    }

    /** @return this query for keys holding exactly {@code value} (UTF-8) */
    public KeysQuery withValue(String value) {
        return new KeysQuery(keyPattern, expectedCount, Objects.requireNonNull(value, "value"), candidateKeys);
    }

    /** @return this query for keys holding any value */
    public KeysQuery withAnyValue() {
        return new KeysQuery(keyPattern, expectedCount, null, candidateKeys);
    }

    /**
     * @param candidateKeys the keys (relative to the component) that may match; those that do not match the pattern
     *     are left out
     * @return this query with candidate keys, which a TCPStore master that cannot list keys needs
     * @throws IllegalArgumentException if a candidate is not a valid key
     */
    public KeysQuery withCandidates(Collection<String> candidateKeys) {
        List<String> candidates = List.copyOf(candidateKeys);
        candidates.forEach(KeyLayout::requireKey);
        return new KeysQuery(keyPattern, expectedCount, value, candidates);
    }

    /** @return the pattern, relative to the component */
    public String keyPattern() {
        return keyPattern;
    }

    /** @return the compiled pattern */
    public KeyPattern pattern() {
        return pattern;
    }

    /** @return how many matching keys the wait needs */
    public int expectedCount() {
        return expectedCount;
    }

    /** @return the value matching keys must hold, or {@code null} for any value */
    public @Nullable String value() {
        return value;
    }

    /** @return the candidate keys as given, or {@code null} if none were given */
    public @Nullable List<String> candidateKeys() {
        return candidateKeys;
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof KeysQuery query && query.keyPattern.equals(keyPattern)
                && query.expectedCount == expectedCount && Objects.equals(query.value, value)
                && Objects.equals(query.candidateKeys, candidateKeys);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyPattern, expectedCount, value, candidateKeys);
    }

    @Override
    public String toString() {
        return expectedCount + " keys matching '" + keyPattern + "'" + (value == null ? "" : " with value '" + value
                + "'") + (candidateKeys == null ? "" : " among " + candidateKeys.size() + " candidates");
    }
}
