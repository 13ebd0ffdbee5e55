package dev.kvstore.api;

import dev.kvstore.internal.Printable;
import java.time.Duration;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when a wait, a barrier or a connection attempt did not complete within its timeout. The message names what
 * was still missing, e.g. {@code "waitForKeys timed out after PT5S: 3 of 4 keys matching 'rank:*' with value '1';
 * missing candidates: [rank:3]"}.
 */
public class KVStoreTimeoutException extends KVStoreException {

    private static final long serialVersionUID = 1L;

    public KVStoreTimeoutException(String message) {
        super(message);
    }

    public KVStoreTimeoutException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** A {@code waitForKey} timeout: the key never existed. */
    public static KVStoreTimeoutException forKey(String fullKey, Duration timeout) {
        return new KVStoreTimeoutException(
                "waitForKey timed out after " + timeout + ": key '" + fullKey + "' does not exist");
    }

    /**
     * A {@code waitForValue} timeout.
     *
     * @param lastSeen the value the key held last, or {@code null} if it did not exist
     */
    public static KVStoreTimeoutException forValue(String fullKey, byte[] expected, byte @Nullable [] lastSeen,
            Duration timeout) {
        String seen = lastSeen == null ? "the key does not exist" : "it holds '" + Printable.of(lastSeen) + "'";
        return new KVStoreTimeoutException("waitForValue timed out after " + timeout + ": key '" + fullKey
                + "' does not hold '" + Printable.of(expected) + "', " + seen);
    }

    /**
     * A {@code waitForKeys} timeout.
     *
     * @param prefix the component prefix the pattern is relative to
     * @param value the value matching keys must hold, or {@code null} for any
     * @param matched the keys that matched when the wait gave up
     * @param missingCandidates candidate keys that did not match, or {@code null} if the backend needs none
     */
    public static KVStoreTimeoutException forKeys(String prefix, KeyPattern pattern, byte @Nullable [] value,
            int expectedCount, Collection<String> matched, @Nullable Collection<String> missingCandidates,
            Duration timeout) {
        StringBuilder message = new StringBuilder("waitForKeys timed out after ").append(timeout).append(": ")
                .append(matched.size()).append(" of ").append(expectedCount).append(" keys matching '")
                .append(prefix).append(pattern).append("'");
        if (value != null) {
            message.append(" with value '").append(Printable.of(value)).append("'");
        }
        message.append("; matched: ").append(limited(matched));
        if (missingCandidates != null) {
            message.append("; missing candidates: ").append(limited(missingCandidates));
        }
        return new KVStoreTimeoutException(message.toString());
    }

    private static String limited(Collection<String> keys) {
        final int shown = 32;
        if (keys.size() <= shown) {
            return keys.toString();
        }
        return keys.stream().limit(shown).toList().toString().replaceFirst("]$", "") + ", ... "
                + (keys.size() - shown) + " more]";
    }
}
