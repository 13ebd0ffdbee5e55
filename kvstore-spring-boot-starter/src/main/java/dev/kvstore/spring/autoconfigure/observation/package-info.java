/**
 * Auto-configuration of the Micrometer Observations of the store's operations.
 */
@NullMarked
package dev.kvstore.spring.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
