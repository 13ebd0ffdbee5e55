package dev.kvstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The decimal text counters are stored as ({@code add}). One rule on every backend, the one PyTorch's TCPStore
 * master follows (C++ {@code std::stoll}): optional leading whitespace, an optional sign, then at least one ASCII
 * digit; whatever follows the digits is ignored ({@code "5abc"} counts as 5). No digit at all, or a number outside the
 * signed 64-bit range, is not a number.
 */
public final class DecimalText {

    private DecimalText() {
    }

    /** @return the number the text starts with, by the rule above; empty if it is not a number */
    public static OptionalLong parse(byte[] text) {
        int i = 0;
        while (i < text.length && isSpace(text[i])) {
            i++;
        }
        boolean negative = false;
        if (i < text.length && (text[i] == '+' || text[i] == '-')) {
            negative = text[i] == '-';
            i++;
        }
        int firstDigit = i;
        long value = 0;
        try {
            while (i < text.length && text[i] >= '0' && text[i] <= '9') {
                // Accumulate negatively so that Long.MIN_VALUE parses too.
                value = Math.subtractExact(Math.multiplyExact(value, 10), text[i] - '0');
                i++;
            }
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
        if (i == firstDigit) {
            return OptionalLong.empty();
        }
        if (negative) {
            return OptionalLong.of(value);
        }
        return value == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(-value);
    }

    /** @return the number the text's UTF-8 bytes start with, as {@link #parse(byte[])} */
    public static OptionalLong parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the number as decimal text in ASCII, as {@code add} stores it */
    public static byte[] format(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** The whitespace of C's {@code isspace}: space, tab, line feed, vertical tab, form feed, carriage return. */
    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r';
    }
}
