/**
 * Auto-configuration of a Spring Integration lock registry backed by the store.
 */
@NullMarked
package dev.kvstore.spring.autoconfigure.integration;

import org.jspecify.annotations.NullMarked;
