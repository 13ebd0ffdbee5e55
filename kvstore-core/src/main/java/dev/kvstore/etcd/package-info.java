/**
 * The etcd backend ({@link dev.kvstore.etcd.EtcdKVStore}, on jetcd): reads and watches for waits, transactions for
 * counters and compare-and-set, leases for ephemeral keys and locks.
 */
@NullMarked
package dev.kvstore.etcd;

import org.jspecify.annotations.NullMarked;
