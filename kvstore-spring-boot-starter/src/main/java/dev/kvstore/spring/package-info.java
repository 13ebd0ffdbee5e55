/**
 * The store the starter gives the application: {@link dev.kvstore.spring.ManagedKVStore}, which starts in the
 * background and observes every operation, and {@link dev.kvstore.spring.KVStoreStartup}, the state of that start.
 */
@NullMarked
package dev.kvstore.spring;

import org.jspecify.annotations.NullMarked;
