package dev.kvstore.etcd;

import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.Locks;
import java.time.Duration;

/**
 * A child JVM owning something under its etcd store's lease until killed: a lock ({@code lock <name>}: prints
 * {@code HELD <fencing token>}) or an ephemeral key ({@code ephemeral <key>}: prints {@code SET}). Arguments:
 * endpoints (comma-separated), namespace, lease TTL in milliseconds, what, name.
 */
public final class LeaseOwnerChild {

    private LeaseOwnerChild() {
    }

    public static void main(String[] args) throws Exception {
        EtcdKVStore store = EtcdKVStore.builder().endpoints(args[0].split(",")).connectTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(30))
                .namespace(args[1])
                .leaseTtl(Duration.ofMillis(Long.parseLong(args[2]))).build();
        if (args[3].equals("lock")) {
            KVLock.Hold hold = store.capability(Locks.class).orElseThrow().lock(args[4])
                    .acquire(Duration.ofSeconds(60));
            System.out.println("HELD " + hold.fencingToken());
        } else {
            store.capability(EphemeralKeys.class).orElseThrow()
                    .onLeaseLoss(message -> System.out.println("LOST " + message));
            store.capability(EphemeralKeys.class).orElseThrow().setEphemeral(args[4], "alive");
            System.out.println("SET");
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
