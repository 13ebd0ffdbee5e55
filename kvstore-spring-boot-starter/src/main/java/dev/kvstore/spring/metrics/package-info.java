/**
 * Micrometer meters of the store: operation timers, the TCPStore master's gauges and the recipes' gauges.
 */
@NullMarked
package dev.kvstore.spring.metrics;

import org.jspecify.annotations.NullMarked;
