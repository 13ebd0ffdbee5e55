/**
 * The {@code kvstore} actuator endpoint and its auto-configuration.
 */
@NullMarked
package dev.kvstore.spring.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
