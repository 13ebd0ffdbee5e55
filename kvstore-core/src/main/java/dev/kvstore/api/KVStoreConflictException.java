package dev.kvstore.api;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a call conflicts with what the store already holds, not because the store failed: for example a barrier
 * name reused after that barrier passed or broke. Retrying the same call cannot succeed; the caller must change it
 * (another name, another generation). Web layers map it to a client error (HTTP 409).
 */
public class KVStoreConflictException extends KVStoreException {

    private static final long serialVersionUID = 1L;

    public KVStoreConflictException(String message) {
        super(message);
    }

    public KVStoreConflictException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
