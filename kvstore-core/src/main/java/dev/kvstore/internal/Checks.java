package dev.kvstore.internal;

import java.time.Duration;
import java.util.Objects;

/** The checks the builders make of a setting's value, one message for each kind of mistake. */
public final class Checks {

    private Checks() {
    }

    /** @throws IllegalArgumentException naming the setting unless the duration is positive */
    public static Duration positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    /** @throws IllegalArgumentException naming the setting unless the number is positive */
    public static long positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }
}
