/**
 * Backend-neutral building blocks of the coordination recipes ({@link dev.kvstore.api.KVLock} and friends): the
 * backends use them; applications use the {@link dev.kvstore.api} interfaces instead.
 */
package dev.kvstore.recipes;
