/**
 * The coordination store API: {@link dev.kvstore.api.KVStore} (keys, waits, counters, compare-and-set, barriers,
 * locks, elections, watches), its exceptions, and {@link dev.kvstore.api.AbstractKVStore}, the base of every backend.
 */
@NullMarked
package dev.kvstore.api;

import org.jspecify.annotations.NullMarked;
