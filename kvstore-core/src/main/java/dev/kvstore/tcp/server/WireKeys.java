package dev.kvstore.tcp.server;

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

    /** @return the key as a person reads it (UTF-8), shortened for log lines */
    static String display(String key) {
        String text = new String(toBytes(key), StandardCharsets.UTF_8);
        return text.length() <= 200 ? "'" + text + "'" : "'" + text.substring(0, 200) + "...' (" + key.length() + " bytes)";
    }
}
