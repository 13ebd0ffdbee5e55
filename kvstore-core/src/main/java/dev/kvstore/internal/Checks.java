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

    /** @throws IllegalArgumentException unless the port is one to listen on or connect to, 0 (a free one) included */
    public static int port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        return port;
    }

    /** @throws IllegalArgumentException naming the setting unless the number is positive */
    public static long positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }
}
