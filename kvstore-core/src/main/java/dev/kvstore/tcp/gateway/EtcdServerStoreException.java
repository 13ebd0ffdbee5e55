package dev.kvstore.tcp.gateway;

import dev.kvstore.api.KVStoreConnectionException;

/**
 * A gateway's server could not open its {@link EtcdServerStore}: etcd did not answer, refused the credentials or the
 * TLS handshake, or could not be read. The cause is the etcd connection's own failure (a
 * {@link dev.kvstore.api.KVStoreTimeoutException} when etcd did not answer in time); the message names the endpoints.
 * The server did not start, so nothing listens on its port.
 */
public class EtcdServerStoreException extends KVStoreConnectionException {

    private static final long serialVersionUID = 1L;

    EtcdServerStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
