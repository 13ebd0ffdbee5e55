/**
 * The TCPStore gateway on etcd: {@link dev.kvstore.tcp.gateway.EtcdServerStore} is a
 * {@link dev.kvstore.tcp.server.ServerStore} in etcd (on jetcd), so that several servers serve one job and any of them
 * can die without losing a key. Values, queues and tokens are laid out under one prefix ({@code GatewayKeys});
 * read-modify-writes are compare-mod-revision transactions ({@code KeyWriter}); one watch per gateway reports every
 * change ({@code GatewayWatch}). See {@code docs/tcp-server.md}, "Gateway on etcd".
 */
@NullMarked
package dev.kvstore.tcp.gateway;

import org.jspecify.annotations.NullMarked;
