/**
 * The sample application: a REST API over the auto-configured store (keys, rank rendezvous, barriers) with bounded
 * waits and clear error answers.
 */
@NullMarked
package dev.kvstore.sample;

import org.jspecify.annotations.NullMarked;
