/**
 * The choice of PyTorch's c10d TCPStore protocol generation ({@link dev.kvstore.tcp.protocol.TcpProtocol}), shared by
 * the client ({@code dev.kvstore.tcp}) and the server ({@code dev.kvstore.tcp.server}). The wire format itself is in
 * {@code dev.kvstore.tcp.protocol.wire}, which is not API. It depends on nothing else of kvstore;
 * {@code docs/tcp-server.md} describes the protocol.
 */
@NullMarked
package dev.kvstore.tcp.protocol;

import org.jspecify.annotations.NullMarked;
