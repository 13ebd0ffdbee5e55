/**
 * Auto-configuration of the store's Micrometer meters.
 */
@NullMarked
package dev.kvstore.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
