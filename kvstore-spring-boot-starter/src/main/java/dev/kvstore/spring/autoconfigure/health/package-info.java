/**
 * Auto-configuration of the store's health indicator.
 */
@NullMarked
package dev.kvstore.spring.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
