/**
 * The TCPStore gateway on etcd: {@link dev.kvstore.tcp.gateway.EtcdServerStore} is a
 * {@link dev.kvstore.tcp.server.ServerStore} in etcd (on jetcd), so that several servers serve one job and any of them
 * can die without losing a key. Values, queues and tokens are laid out under one prefix ({@code GatewayKeys}); etcd
 * is reached through the layer the etcd backend uses ({@link dev.kvstore.etcd.access}): read-modify-writes through its
 * fenced writer, every change through one revision watch per gateway. See {@code docs/tcp-server.md}, "Gateway on
 * etcd".
 */
@NullMarked
package dev.kvstore.tcp.gateway;

import org.jspecify.annotations.NullMarked;
