package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVLock;
import dev.kvstore.api.Locks;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What only the etcd lock does: a dead holder frees it within the lease TTL; a lost lease is reported. */
@RequiresEtcd
class EtcdLockTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final Duration TTL = Duration.ofSeconds(3);

    private EtcdKVStore open(String namespace) {
        return EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).leaseTtl(TTL).build();
    }

    @Test
    void holderKilledWithSigkillFreesTheLockWithinTheLeaseTtl() throws Exception {
        String namespace = "lock-kill-" + System.nanoTime();
        try (EtcdKVStore store = open(namespace);
                PythonProcess holder = PythonProcess.startJava(LeaseOwnerChild.class, List.of("-Xmx64m"),
                        etcd.endpoint(), namespace, TTL.toMillis(), "lock", "job")) {
            long holderToken = Long.parseLong(holder.awaitLineStartingWith("HELD ", Duration.ofSeconds(60)));
            KVLock lock = store.capability(Locks.class).orElseThrow().lock("job");
            assertThat(lock.tryAcquire(Duration.ZERO)).as("held by the child").isEmpty();

            holder.close(); // SIGKILL: no release, no revoke
            long killed = System.nanoTime();
            try (KVLock.Hold hold = lock.acquire(TTL.multipliedBy(10))) {
                Duration freedAfter = Duration.ofNanos(System.nanoTime() - killed);
                // The lease expires TTL after the child's last keep-alive; allow etcd's expiry check and a loaded
                // machine on top.
                assertThat(freedAfter).isLessThan(TTL.plusSeconds(5));
                assertThat(hold.fencingToken()).isGreaterThan(holderToken);
            }
        }
    }

    @Test
    void lostLeaseIsReportedAndInvalidatesTheHold() throws Exception {
        String namespace = "lock-lost-" + System.nanoTime();
        List<String> losses = new CopyOnWriteArrayList<>();
        try (EtcdKVStore store = open(namespace); EtcdKVStore other = open(namespace);
                Client raw = Client.builder().endpoints(etcd.endpoint()).build()) {
            store.capability(EphemeralKeys.class).orElseThrow().onLeaseLoss(losses::add);
            KVLock lock = store.capability(Locks.class).orElseThrow().lock("job");
            KVLock.Hold hold = lock.acquire(Duration.ofSeconds(30));
            assertThat(hold.isValid()).isTrue();

            // Someone revokes the lease under the holder (an operator, or etcd after a long partition).
            String queue = namespace + "/tensorbus/locks/job/queue/";
            String key = raw.getKVClient().get(bytes(queue), GetOption.builder().isPrefix(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs().get(0).getKey().toString(StandardCharsets.UTF_8);
            long leaseId = Long.parseUnsignedLong(key.substring(queue.length(), key.indexOf('-', queue.length())), 16);
            raw.getLeaseClient().revoke(leaseId).get(10, TimeUnit.SECONDS);

            await().atMost(TTL.multipliedBy(3)).until(() -> !hold.isValid());
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(losses).singleElement().asString().contains("lost");
            try (KVLock.Hold taken = other.capability(Locks.class).orElseThrow().lock("job")
                    .acquire(Duration.ofSeconds(30))) {
                assertThat(taken.fencingToken()).isGreaterThan(hold.fencingToken());
            }
            hold.close(); // releasing a lost hold is harmless
            try (KVLock.Hold again = lock.acquire(Duration.ofSeconds(30))) {
                assertThat(again.isValid()).as("a new lease is granted").isTrue();
            }
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
