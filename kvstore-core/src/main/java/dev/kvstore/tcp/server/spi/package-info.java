/**
 * The storage SPI of {@link dev.kvstore.tcp.server.TcpStoreServer}: where a server that is a stateless gateway keeps
 * its keys ({@link dev.kvstore.tcp.server.spi.KeyStorage}), opened by a
 * {@link dev.kvstore.tcp.server.spi.KeyStorageFactory} given to
 * {@link dev.kvstore.tcp.server.ServerStore#of}. The server keeps the TCPStore semantics (what ADD, COMPARE_SET and
 * APPEND compute, reply order, waits); a storage keeps bytes, applies single-key updates atomically and reports every
 * change. Plain types only: keys and values are the raw wire bytes, results are {@code CompletionStage}s, and no call
 * may block. The etcd implementation is {@code dev.kvstore.tcp.gateway.EtcdGatewayStore}.
 */
@NullMarked
package dev.kvstore.tcp.server.spi;

import org.jspecify.annotations.NullMarked;
