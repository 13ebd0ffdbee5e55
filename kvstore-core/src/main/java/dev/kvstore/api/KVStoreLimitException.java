package dev.kvstore.api;

/**
 * Thrown before anything is sent when a request exceeds a configured limit (a value larger than the maximum value
 * size, more keys than one request may carry). The message names the limit, its value and the setting that changes
 * it. Nothing was written. Web layers map it to HTTP 413.
 */
public class KVStoreLimitException extends KVStoreException {

    private static final long serialVersionUID = 1L;

    public KVStoreLimitException(String message) {
        super(message);
    }
}
