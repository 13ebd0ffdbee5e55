package dev.kvstore.spring;

import io.micrometer.observation.Observation;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The {@link Observation.Context} of one {@link KVStoreOperation}: which store ran what, on which key. */
public class KVStoreObservationContext extends Observation.Context {

    private final String backend;

    private final KVStoreOperation operation;

    private final String namespace;

    private final String component;

    private final String key;

    private volatile boolean completed;

    /**
     * @param backend the short name of the backend, e.g. {@code tcp} or {@code etcd}
     * @param operation what runs
     * @param namespace the store's namespace
     * @param component the store's (or view's) component
     * @param key the key, key pattern or barrier name the operation is about
     */
    public KVStoreObservationContext(String backend, KVStoreOperation operation, String namespace, String component,
            @Nullable String key) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.component = Objects.requireNonNull(component, "component");
        this.key = String.valueOf(key);
    }

    /** @return the short name of the backend, e.g. {@code tcp} or {@code etcd} */
    public String getBackend() {
        return this.backend;
    }

    /** @return the operation */
    public KVStoreOperation getOperation() {
        return this.operation;
    }

    /** @return the namespace of the store */
    public String getNamespace() {
        return this.namespace;
    }

    /** @return the component of the store or view */
    public String getComponent() {
        return this.component;
    }

    /** @return the key, key pattern or barrier name the operation is about */
    public String getKey() {
        return this.key;
    }

    /**
     * @return whether the operation returned or threw; before that its outcome is unknown (what a long-task timer
     *     of operations in progress is tagged with)
     */
    public boolean isCompleted() {
        return this.completed;
    }

    /** Marks the operation as returned or thrown (its error, if any, is {@link #getError()}). */
    public void setCompleted() {
        this.completed = true;
    }

}
