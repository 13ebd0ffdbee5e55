/**
 * The TCPStore backend: {@link dev.kvstore.tcp.TcpKVStore}, the {@link dev.kvstore.api.KVStore} over PyTorch's c10d
 * TCPStore protocol (a client of a torch master, or the master itself with an embedded
 * {@link dev.kvstore.tcp.server.TcpStoreServer}). The connections it pools are in {@code dev.kvstore.tcp.client}, the
 * wire format in {@code dev.kvstore.tcp.protocol}; see {@code docs/tcp-client.md}.
 */
@NullMarked
package dev.kvstore.tcp;

import org.jspecify.annotations.NullMarked;
