package dev.kvstore.api;

import org.jspecify.annotations.Nullable;

/** Thrown when the store's server cannot be reached or the connection to it broke during a call. */
public class KVStoreConnectionException extends KVStoreException {

    private static final long serialVersionUID = 1L;

    public KVStoreConnectionException(String message) {
        super(message);
    }

    public KVStoreConnectionException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
