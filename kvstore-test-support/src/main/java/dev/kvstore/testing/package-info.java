/**
 * Test support against real components: etcd servers and clusters on loopback, PyTorch TCPStore masters and peers
 * (torch 1.13 on the host, torch 2.6 in a chroot), per-test namespaces, free ports, test certificates, and the
 * {@code etcd} / {@code torch} JUnit tags. Nothing here is null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package dev.kvstore.testing;

import org.jspecify.annotations.NullMarked;
