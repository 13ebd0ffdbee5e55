package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreTimeoutException;

/**
 * {@link EtcdKVStore.Builder#build()} found etcd answering (it confirmed a watch, which no request timeout bounds),
 * yet the connection check did not complete within the request timeout ({@link EtcdKVStore.Builder#requestTimeout}),
 * twice: the request timeout, not etcd, is the likely cause. Raise it. The cause is the last check's own timeout.
 */
public final class RequestTimeoutTooShortException extends KVStoreTimeoutException {

    private static final long serialVersionUID = 1L;

    RequestTimeoutTooShortException(String message, Throwable cause) {
        super(message, cause);
    }
}
