package dev.kvstore.spring.autoconfigure;

import dev.kvstore.api.KeyLayout;
import java.util.function.Consumer;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Applies a property to a store builder, which validates it: the builder is the one place a rule is written, and its
 * {@link IllegalArgumentException} becomes an {@link InvalidConfigurationPropertyValueException} naming the property,
 * which Spring Boot reports as a failure analysis.
 */
final class BuilderProperty {

    private BuilderProperty() {
    }

    /**
     * @param property the property's name, e.g. {@code kvstore.tcp.port}
     * @param value its value
     * @param setter the builder's setter
     * @throws InvalidConfigurationPropertyValueException if the builder rejects the value
     */
    static <T> void apply(String property, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException | NullPointerException ex) {
            throw invalid(property, value, ex);
        }
    }

    /**
     * Checks namespace and component with the library's own rule ({@link KeyLayout}).
     * @throws InvalidConfigurationPropertyValueException naming {@code kvstore.namespace} or {@code kvstore.component}
     */
    static void layout(String namespace, String component) {
        try {
            KeyLayout.of(namespace, component);
        } catch (IllegalArgumentException | NullPointerException ex) {
            throw layoutFailure(namespace, component, ex);
        }
    }

    /** @return the library's rejection of a namespace or component as a failure naming the property */
    static InvalidConfigurationPropertyValueException layoutFailure(String namespace, String component,
            RuntimeException ex) {
        boolean componentFailed = String.valueOf(ex.getMessage()).startsWith("component");
        return componentFailed ? invalid("kvstore.component", component, ex)
                : invalid("kvstore.namespace", namespace, ex);
    }

    /** @return the builder's rejection of a value as a failure naming the property */
    static InvalidConfigurationPropertyValueException invalid(String property, Object value, RuntimeException ex) {
        String reason = (ex.getMessage() != null) ? ex.getMessage() : "must be set";
        return new InvalidConfigurationPropertyValueException(property, value, reason);
    }

}
