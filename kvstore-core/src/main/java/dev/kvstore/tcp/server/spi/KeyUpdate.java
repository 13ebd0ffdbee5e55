package dev.kvstore.tcp.server.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A read-modify-write of one key, computed by the server and applied atomically by a {@link KeyStorage} (SPI): ADD,
 * COMPARE_SET and APPEND are updates. The storage may call {@link #apply} more than once (when another server changed
 * the key first) and commits the result of one call only.
 *
 * @param <R> what the update answers the client
 */
@FunctionalInterface
public interface KeyUpdate<R extends @Nullable Object> {

    /**
     * @param current the key's value now, {@code null} if it is missing
     * @return the new value (or none) and the reply
     * @throws RuntimeException to refuse the update: the storage fails this update alone with that exception and
     *     writes nothing for it
     */
    Result<R> apply(byte @Nullable [] current);

    /**
     * What an update makes of a key.
     *
     * @param value the new value; {@code null} leaves the key as it is
     * @param reply what the update answers
     * @param <R> the reply's type
     */
    record Result<R extends @Nullable Object>(byte @Nullable [] value, R reply) {

        /** @return the key set to {@code value} */
        public static <R extends @Nullable Object> Result<R> set(byte[] value, R reply) {
            return new Result<>(Objects.requireNonNull(value, "value"), reply);
        }

        /** @return the key left as it is */
        public static <R extends @Nullable Object> Result<R> unchanged(R reply) {
            return new Result<>(null, reply);
        }

        /** @return whether the update writes the key */
        public boolean changes() {
            return value != null;
        }
    }
}
