/**
 * {@link dev.kvstore.tcp.server.TcpStoreServer}, a TCPStore master in Java that PyTorch ranks of every generation
 * connect to: one event-loop thread parses requests ({@code RequestParser}), serves them ({@code CommandHandler})
 * against the {@link dev.kvstore.tcp.server.ServerStore} (in memory, or in etcd: a gateway), wakes the waits of the
 * keys the store reports changed ({@code Wakeups}, {@code KeyWaiters}) and writes the replies, within limits that make
 * one misbehaving client cost only its connection. It depends on the wire format in {@code dev.kvstore.tcp.protocol} and the helpers of
 * {@code dev.kvstore.internal}, not on the client package nor the {@code KVStore} API. See
 * {@code docs/tcp-server.md}.
 */
@NullMarked
package dev.kvstore.tcp.server;

import org.jspecify.annotations.NullMarked;
