/**
 * Backend-neutral building blocks of the coordination recipes ({@link dev.kvstore.api.KVLock} and friends): the
 * backends use them; applications use the {@link dev.kvstore.api} interfaces instead.
 */
@NullMarked
package dev.kvstore.recipes;

import org.jspecify.annotations.NullMarked;
