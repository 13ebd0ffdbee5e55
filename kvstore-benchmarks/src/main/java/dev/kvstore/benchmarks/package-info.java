/**
 * The benchmarks that write docs/benchmarks.md: the Java and PyTorch TCPStore masters and clients side by side, and
 * the etcd backend, driven in separate processes.
 */
@NullMarked
package dev.kvstore.benchmarks;

import org.jspecify.annotations.NullMarked;
