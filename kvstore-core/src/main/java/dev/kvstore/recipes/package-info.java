/**
 * Coordination recipes on the {@link dev.kvstore.api} interfaces: the compare-and-set locks of any store
 * ({@link dev.kvstore.recipes.CompareAndSetLock}, TCPStore's {@link dev.kvstore.api.Locks}) and what this process
 * holds through locks and leases ({@link dev.kvstore.recipes.RecipeGauges}, for metrics and introspection).
 */
@NullMarked
package dev.kvstore.recipes;

import org.jspecify.annotations.NullMarked;
