package dev.kvstore.api;

import org.jspecify.annotations.Nullable;

/** Base of every exception thrown by a {@link KVStore}: unchecked, with a message that says what failed and where. */
public class KVStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KVStoreException(String message) {
        super(message);
    }

    public KVStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
