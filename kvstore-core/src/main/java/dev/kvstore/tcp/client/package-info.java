/**
 * One connection to a TCPStore master that speaks one protocol generation ({@link
 * dev.kvstore.tcp.client.TcpStoreClient}), and how its sockets are opened: what {@link dev.kvstore.tcp.TcpKVStore}
 * pools. Not API (not among the exported packages of {@code ArchitectureTest}): its types are public only so that
 * {@code dev.kvstore.tcp}, our tests and our benchmarks can share them.
 */
@NullMarked
package dev.kvstore.tcp.client;

import org.jspecify.annotations.NullMarked;
