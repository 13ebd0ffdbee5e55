package dev.kvstore.tcp.server;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The decimal text ADD stores. Parsing follows C++ {@code std::stoll}, which PyTorch's server uses: leading
 * whitespace, an optional sign, then at least one digit; anything after the digits is ignored. Out of range is an
 * error.
 */
final class DecimalText {

    private DecimalText() {
    }

    static OptionalLong parse(byte[] text) {
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
            if (i == firstDigit) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(negative ? value : Math.negateExact(value));
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    static byte[] format(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the value quoted for a log line, shortened */
    static String describe(byte[] value) {
        String text = new String(value, 0, Math.min(value.length, 64), StandardCharsets.UTF_8);
        return "'" + text + (value.length > 64 ? "...' (" + value.length + " bytes)" : "'");
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r';
    }
}
