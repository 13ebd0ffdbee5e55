package dev.kvstore.spring.autoconfigure;

import dev.kvstore.internal.KeyLayout;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/**
 * The target of one property's {@link PropertyMapper} mapping: a builder's setter, called with the property's name
 * at hand. The builder is the one place a rule is written; its {@link IllegalArgumentException} becomes an
 * {@link InvalidConfigurationPropertyValueException} naming the property, which Spring Boot's failure analyzer
 * reports ("Invalid value ... for configuration property ...").
 */
final class BuilderProperty {

    /** A timeout shorter than this is almost surely a bare number meant as seconds, read as milliseconds. */
    static final Duration SUSPICIOUS_TIMEOUT = Duration.ofMillis(100);

    private static final Logger logger = LoggerFactory.getLogger(KVStoreProperties.class);

    private BuilderProperty() {
    }

    /**
     * @param property the property's name, e.g. {@code kvstore.tcp.port}
     * @param setter the builder's setter, which validates the value
     * @return a setter that names the property when the builder rejects the value
     */
    static <T> Consumer<T> to(String property, Consumer<T> setter) {
        return (value) -> {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException | NullPointerException ex) {
                throw invalid(property, value, ex);
            }
        };
    }

    /**
     * Like {@link #to(String, Consumer)} for a timeout; an accepted value under {@link #SUSPICIOUS_TIMEOUT} is logged
     * at WARN naming the property: a bare number in a duration property is read as milliseconds.
     */
    static Consumer<Duration> timeout(String property, Consumer<Duration> setter) {
        Consumer<Duration> validated = to(property, setter);
        return (value) -> {
            validated.accept(value);
            warnIfShort(property, value);
        };
    }

    /** Logs at WARN, naming the property, a timeout shorter than {@link #SUSPICIOUS_TIMEOUT} (but positive). */
    static void warnIfShort(String property, Duration timeout) {
        if (!timeout.isNegative() && !timeout.isZero() && timeout.compareTo(SUSPICIOUS_TIMEOUT) < 0) {
            logger.warn("{}={}ms is under {}ms, almost surely a mistake: a bare number in a duration property is "
                    + "read as milliseconds (write {}s for seconds)", property, timeout.toMillis(),
                    SUSPICIOUS_TIMEOUT.toMillis(), timeout.toMillis());
        }
    }

    /**
     * @return the size in bytes as an int, for the limits the protocol counts in an int
     * @throws IllegalArgumentException if it does not fit
     */
    static int intBytes(DataSize size) {
        if (size.toBytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be at most " + Integer.MAX_VALUE + "B, got " + size);
        }
        return (int) size.toBytes();
    }

    /**
     * The namespace checked alone by the library's rule ({@link KeyLayout}), so that a rejection names
     * {@code kvstore.namespace} (the builders check namespace and component together, when the store is created).
     */
    static String namespace(String namespace) {
        return KeyLayout.of(namespace, "component").namespace();
    }

    /** The component checked alone by the library's rule ({@link KeyLayout}); see {@link #namespace(String)}. */
    static String component(String component) {
        return KeyLayout.of("namespace", component).component();
    }

    /** @return the rejection of a value as a failure naming the property */
    static InvalidConfigurationPropertyValueException invalid(String property, Object value, RuntimeException ex) {
        String reason = (ex.getMessage() != null) ? ex.getMessage() : "must be set";
        return new InvalidConfigurationPropertyValueException(property, value, reason);
    }

}
