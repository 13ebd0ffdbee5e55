/**
 * What the backends build the API's answers from, shared by the etcd backend ({@code dev.kvstore.etcd}), TCPStore's
 * ({@code dev.kvstore.tcp}) and the compare-and-set locks of {@code dev.kvstore.recipes}: a bounded page of a key
 * listing ({@link dev.kvstore.backend.KeyPageCollector}), a lock re-entrant per thread over a lock of the processes
 * ({@link dev.kvstore.backend.ThreadReentrantLock}) and what this process holds of them
 * ({@link dev.kvstore.backend.Holdings}). Not API (not among the exported packages of {@code ArchitectureTest}): its
 * types are public only because those packages use them. It builds on {@code dev.kvstore.api}, never the other way
 * round.
 */
@NullMarked
package dev.kvstore.backend;

import org.jspecify.annotations.NullMarked;
