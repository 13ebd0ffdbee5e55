package dev.kvstore.tcp.server;

import dev.kvstore.internal.Printable;
import java.util.OptionalLong;

/**
 * The decimal text ADD stores, by the one counter rule of every backend ({@link dev.kvstore.internal.DecimalText}:
 * C++ {@code std::stoll}, which PyTorch's server uses): leading whitespace, an optional sign, then at least one digit;
 * anything after the digits is ignored. Out of range is an error.
 */
final class DecimalText {

    private DecimalText() {
    }

    static OptionalLong parse(byte[] text) {
        return dev.kvstore.internal.DecimalText.parse(text);
    }

    static byte[] format(long value) {
        return dev.kvstore.internal.DecimalText.format(value);
    }

    /** @return the value quoted for a log line, shortened */
    static String describe(byte[] value) {
        return "'" + Printable.of(value) + "'";
    }
}
