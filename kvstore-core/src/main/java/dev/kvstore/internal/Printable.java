package dev.kvstore.internal;

import java.nio.charset.StandardCharsets;

/**
 * Keys and values as a person reads them in messages and log lines: UTF-8, shortened, with control characters
 * escaped (a key with a line break must not forge a log line).
 */
public final class Printable {

    /** Leading bytes of a value shown by {@link #of(byte[])}. */
    public static final int SHOWN_BYTES = 64;

    private Printable() {
    }

    /** @return the first {@value #SHOWN_BYTES} bytes as text, with {@code ...(N bytes)} when there are more */
    public static String of(byte[] value) {
        return of(value, SHOWN_BYTES);
    }

    /** @return the first {@code shownBytes} bytes as text, with {@code ...(N bytes)} when there are more */
    public static String of(byte[] value, int shownBytes) {
        String text = escaped(new String(value, 0, Math.min(value.length, shownBytes), StandardCharsets.UTF_8));
        return value.length > shownBytes ? text + "...(" + value.length + " bytes)" : text;
    }

    /** @return the text's UTF-8 bytes shown as {@link #of(byte[])} does */
    public static String of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String escaped(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                out.append(String.format("\\x%02x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
