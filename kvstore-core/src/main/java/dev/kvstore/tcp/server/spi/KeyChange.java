package dev.kvstore.tcp.server.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change to the keys of a {@link KeyStorage} (SPI).
 *
 * @param type what happened to the key
 * @param key the key's wire bytes
 * @param previous the value before a {@link Type#SET} or {@link Type#DELETED}, {@code null} if there was none or the
 *     storage does not know it
 * @param value the value after a {@link Type#SET}, the item of a {@link Type#QUEUE_PUSHED}, empty after a delete
 */
public record KeyChange(Type type, byte[] key, byte @Nullable [] previous, byte[] value) {

    /** What happened to a key. */
    public enum Type {
        /** The key's value was set (created or replaced). */
        SET,
        /** The key was deleted. */
        DELETED,
        /** An item was pushed onto the queue of that key. */
        QUEUE_PUSHED
    }

    /** Checks that no component but {@code previous} is null. */
    public KeyChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
