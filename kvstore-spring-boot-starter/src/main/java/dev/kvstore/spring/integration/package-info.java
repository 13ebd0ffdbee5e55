/**
 * A Spring Integration {@code LockRegistry} over the store's locks.
 */
@NullMarked
package dev.kvstore.spring.integration;

import org.jspecify.annotations.NullMarked;
