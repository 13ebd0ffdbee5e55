/**
 * Helpers shared by the packages of kvstore: deadlines, backoff, progress logs of long waits, printable bytes, the
 * decimal text of counters and the key layout ({@code {namespace}/{component}/{key}}). <strong>Not public
 * API</strong>: the types here may change or go in any release without notice; applications use
 * {@link dev.kvstore.api} instead. Nothing here depends on another kvstore package, so every
 * package (the TCPStore server included) can use it without a cycle.
 */
@NullMarked
package dev.kvstore.internal;

import org.jspecify.annotations.NullMarked;
