package dev.kvstore.etcd;

import dev.kvstore.api.KVLock;
import java.time.Duration;

/**
 * A child JVM for {@link EtcdLockTest}: takes a lock on etcd, prints {@code HELD <fencing token>}, and keeps it until
 * killed. Arguments: endpoint, namespace, lock name, lease TTL in milliseconds.
 */
public final class LockHolderChild {

    private LockHolderChild() {
    }

    public static void main(String[] args) throws Exception {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(args[0]).namespace(args[1])
                .leaseTtl(Duration.ofMillis(Long.parseLong(args[3]))).build();
        KVLock.Hold hold = store.lock(args[2]).acquire(Duration.ofSeconds(60));
        System.out.println("HELD " + hold.fencingToken());
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
