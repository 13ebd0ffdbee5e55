/**
 * PyTorch's c10d TCPStore wire protocol, shared by the client ({@code dev.kvstore.tcp}), the server
 * ({@code dev.kvstore.tcp.server}) and the tests: the {@link dev.kvstore.tcp.protocol.Command commands} with their
 * opcodes per {@link dev.kvstore.tcp.protocol.Generation generation}, the {@link dev.kvstore.tcp.protocol.ReplyCodes
 * reply codes}, and the little-endian {@link dev.kvstore.tcp.protocol.WireFormat framing} with its stream adapters.
 * It depends on nothing else of kvstore; {@code docs/tcp-server.md} describes the protocol.
 */
@NullMarked
package dev.kvstore.tcp.protocol;

import org.jspecify.annotations.NullMarked;
