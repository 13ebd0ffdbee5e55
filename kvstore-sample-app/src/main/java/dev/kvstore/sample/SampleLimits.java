package dev.kvstore.sample;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The caps that keep one HTTP caller from tying up the app ({@code sample.limits.*}). Every request parameter is
 * checked against them; a request beyond a cap gets a 400 (parameters), 413 (body) or 429 (waits) naming the cap.
 *
 * @param maxTimeout longest wait a request may ask for with {@code timeoutSeconds}
 * @param maxRanks ranks are {@code 0..maxRanks-1}; {@code GET /ranks?expected=} waits for at most this many
 * @param maxParties largest {@code parties} of a barrier
 * @param maxConcurrentWaits waits (rank waits and barriers) parked at once; more get 429 with Retry-After
 * @param maxValueSize largest {@code PUT /kv} body read; larger bodies get 413 before they are read
 * @param maxWaitMemory heap the parked waits may hold together, each charged by what it holds
 *     ({@link ParkedWaits#charge}); a wait past it gets 429. {@code null}: a quarter of the maximum heap
 */
@ConfigurationProperties("sample.limits")
record SampleLimits(
        @DefaultValue("10m") Duration maxTimeout,
        @DefaultValue("4096") int maxRanks,
        @DefaultValue("4096") int maxParties,
        @DefaultValue("256") int maxConcurrentWaits,
        @DefaultValue("8MB") DataSize maxValueSize,
        @Nullable DataSize maxWaitMemory) {

    /** The default of {@code max-wait-memory}: this share of the maximum heap ({@code -Xmx}). */
    static final int HEAP_SHARE_OF_WAITS = 4;

    SampleLimits {
        if (maxTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("sample.limits.max-timeout must be at least 1s, got " + maxTimeout);
        }
        requirePositive(maxRanks, "max-ranks");
        requirePositive(maxParties, "max-parties");
        requirePositive(maxConcurrentWaits, "max-concurrent-waits");
        if (maxWaitMemory != null && maxWaitMemory.toBytes() < 1) {
            throw new IllegalArgumentException("sample.limits.max-wait-memory must be at least 1B, got "
                    + maxWaitMemory);
        }
        if (maxValueSize.toBytes() < 1 || maxValueSize.toBytes() >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "sample.limits.max-value-size must be between 1B and 2GB, got " + maxValueSize);
        }
    }

    /** @return {@code max-wait-memory} in bytes: as set, else a quarter of the maximum heap */
    long waitMemoryBytes() {
        return maxWaitMemory != null ? maxWaitMemory.toBytes() : Runtime.getRuntime().maxMemory() / HEAP_SHARE_OF_WAITS;
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException("sample.limits." + name + " must be at least 1, got " + value);
        }
    }
}
