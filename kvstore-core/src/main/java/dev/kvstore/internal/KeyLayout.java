package dev.kvstore.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key layout shared with the Python {@code etha.kvstore} module: {@code {namespace}/{component}/{key}}.
 * Namespace and component are single path segments (non-empty, no {@code /}); keys may contain {@code /}.
 */
public final class KeyLayout {

    private final String namespace;
    private final String component;

    private KeyLayout(String namespace, String component) {
        this.namespace = requireSegment("namespace", namespace);
        this.component = requireSegment("component", component);
    }

    /**
     * @throws IllegalArgumentException if the namespace or component is null, empty or contains {@code /}
     */
    public static KeyLayout of(String namespace, String component) {
        return new KeyLayout(namespace, component);
    }

    public String namespace() {
        return namespace;
    }

    public String component() {
        return component;
    }

    /** @return the same namespace with another component */
    public KeyLayout withComponent(String otherComponent) {
        return new KeyLayout(namespace, otherComponent);
    }

    /** @return {@code {namespace}/}: every key of the namespace starts with it */
    public String namespacePrefix() {
        return namespace + "/";
    }

    /** @return {@code {namespace}/{component}/}: every key of the component starts with it */
    public String componentPrefix() {
        return namespace + "/" + component + "/";
    }

    /**
     * @return {@code {namespace}/{component}/{key}}
     * @throws IllegalArgumentException if the key is null or empty
     */
    public String fullKey(String key) {
        return componentPrefix() + requireKey(key);
    }

    /**
     * @return the key relative to the component, or {@code null} if the full key is not in this component
     */
    public @Nullable String relativeKey(String fullKey) {
        String prefix = componentPrefix();
        return fullKey.startsWith(prefix) ? fullKey.substring(prefix.length()) : null;
    }

    /** @throws IllegalArgumentException if the key is null or empty */
    public static String requireKey(@Nullable String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(
                    "key must be a non-empty string, got " + (key == null ? "null" : "\"\""));
        }
        return key;
    }

    private static String requireSegment(String what, @Nullable String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty string");
        }
        if (value.indexOf('/') >= 0) {
            throw new IllegalArgumentException(
                    what + " must not contain '/' (keys are {namespace}/{component}/{key}), got \"" + value + "\"");
        }
        return value;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyLayout that && namespace.equals(that.namespace) && component.equals(that.component);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, component);
    }

    @Override
    public String toString() {
        return componentPrefix();
    }
}
