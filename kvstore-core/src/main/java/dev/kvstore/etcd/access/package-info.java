/**
 * The one way kvstore talks to etcd, shared by the etcd backend ({@code dev.kvstore.etcd}) and the TCPStore gateway's
 * etcd storage: bounded calls and their retries ({@link dev.kvstore.etcd.access.EtcdAccess}), read-modify-writes
 * fenced against lost answers ({@link dev.kvstore.etcd.access.FencedWriter}) and watches that resume from the next
 * revision ({@link dev.kvstore.etcd.access.RevisionWatch}). Not API: its types are public only because two packages
 * use them.
 */
@NullMarked
package dev.kvstore.etcd.access;

import org.jspecify.annotations.NullMarked;
