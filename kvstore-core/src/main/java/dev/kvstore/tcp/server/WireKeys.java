package dev.kvstore.tcp.server;

import dev.kvstore.internal.Printable;
import java.nio.charset.StandardCharsets;

/**
 * Keys travel as raw bytes. The server holds them as ISO-8859-1 strings, a lossless one-char-per-byte mapping that
 * gives cheap hashing and equality without interpreting the bytes.
 */
final class WireKeys {

    private WireKeys() {
    }

    static String fromBytes(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] toBytes(String key) {
        return key.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Leading bytes of a key shown in log lines. */
    private static final int SHOWN_KEY_BYTES = 200;

    /** @return the key as a person reads it (UTF-8, control characters escaped), quoted and shortened for log lines */
    static String display(String key) {
        return "'" + Printable.of(toBytes(key), SHOWN_KEY_BYTES) + "'";
    }

    /** @return a value as a person reads it, quoted and shortened for log lines */
    static String displayValue(byte[] value) {
        return "'" + Printable.of(value) + "'";
    }
}
