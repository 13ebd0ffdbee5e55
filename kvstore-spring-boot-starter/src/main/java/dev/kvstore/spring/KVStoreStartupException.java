package dev.kvstore.spring;

import dev.kvstore.api.KVStoreException;
import java.util.Objects;

/**
 * The auto-configured store could not start, said for a Spring Boot user: what went wrong
 * ({@link #description()}) and which properties or environment variables to change ({@link #action()}). The starter's
 * failure analyzer prints both as Spring Boot's "APPLICATION FAILED TO START" report. The cause is the backend's
 * exception.
 */
public class KVStoreStartupException extends KVStoreException {

    private static final long serialVersionUID = 1L;

    private final String description;

    private final String action;

    /**
     * @param description what went wrong, with the values that were used
     * @param action what to change, naming the properties
     * @param cause the backend's exception
     */
    public KVStoreStartupException(String description, String action, Throwable cause) {
        super(description, cause);
        this.description = Objects.requireNonNull(description, "description");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** @return what went wrong */
    public String description() {
        return this.description;
    }

    /** @return what to change */
    public String action() {
        return this.action;
    }

}
