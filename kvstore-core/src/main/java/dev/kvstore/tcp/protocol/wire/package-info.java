/**
 * PyTorch's c10d TCPStore wire format, shared by the client ({@code dev.kvstore.tcp}), the server
 * ({@code dev.kvstore.tcp.server}) and the tests; not API. The {@link dev.kvstore.tcp.protocol.wire.Command commands}
 * with their opcodes per {@link dev.kvstore.tcp.protocol.TcpProtocol generation}, the
 * {@link dev.kvstore.tcp.protocol.wire.ReplyCodes reply codes}, and the little-endian
 * {@link dev.kvstore.tcp.protocol.wire.WireFormat framing} with its stream adapters. It depends on nothing of kvstore
 * but {@code dev.kvstore.tcp.protocol} and {@code dev.kvstore.internal}; {@code docs/tcp-server.md} describes the
 * protocol.
 */
@NullMarked
package dev.kvstore.tcp.protocol.wire;

import dev.kvstore.tcp.protocol.TcpProtocol;
import org.jspecify.annotations.NullMarked;
