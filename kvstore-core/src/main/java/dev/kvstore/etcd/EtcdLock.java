package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.backend.ThreadReentrantLock;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.ProcessName;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process side of an etcd lock, as etcd's own mutex recipe: every contender creates a key under
 * {@code locks/{name}/queue/} attached to its lease; the key with the lowest create revision holds the lock, and the
 * others wait (read, then watch the queue from the read's revision, through {@link EtcdWaiter}) until no key older
 * than theirs is left. A holder that dies loses its key with its lease, within the TTL. The create revision is the
 * fencing token: it grows with every new holder.
 */
final class EtcdLock implements ThreadReentrantLock.Remote {

    private static final Logger log = LoggerFactory.getLogger(EtcdLock.class);

    private final KV kv;
    private final EtcdAccess access;
    private final EtcdWaiter waiter;
    private final EtcdSession session;
    private final String name;
    private final String queuePrefix;
    /** Tells this lock's key from other locks of the same name in this process (other stores, views). */
    private final String instance = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final byte[] owner;
    private @Nullable String heldKey;
    private EtcdSession.@Nullable Granted heldUnder;

    EtcdLock(KV kv, EtcdAccess access, EtcdWaiter waiter, EtcdSession session, KeyLayout layout, String name) {
        this.kv = kv;
        this.access = access;
        this.waiter = waiter;
        this.session = session;
        this.name = name;
        this.queuePrefix = layout.componentPrefix() + "locks/" + name + "/queue/";
        this.owner = ProcessName.current().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long acquire(Duration timeout) {
        EtcdSession.Granted lease = session.current();
        String key = queuePrefix + Long.toHexString(lease.id) + "-" + instance;
        ByteSequence keyBytes = bytes(key);
        // Creates this contender's own key if it is missing, so a retry after a lost answer finds the first attempt's
        // key and its create revision instead of queueing twice.
        TxnResponse created = access.awaitRepeatable("enqueue for lock '" + name + "'", () -> kv.txn()
                .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(keyBytes, ByteSequence.from(owner), PutOption.builder().withLeaseId(lease.id).build()))
                .Else(Op.get(keyBytes, GetOption.DEFAULT))
                .commit());
        long revision = created.isSucceeded() ? created.getHeader().getRevision()
                : created.getGetResponses().get(0).getKvs().get(0).getCreateRevision();
        try {
            waiter.await("lock '" + name + "'", bytes(queuePrefix), true, new Turn(key, revision), timeout);
        } catch (RuntimeException e) {
            deleteQuietly(key);
            throw e;
        }
        heldKey = key;
        heldUnder = lease;
        return revision;
    }

    @Override
    public void release() {
        String key = heldKey;
        heldKey = null;
        heldUnder = null;
        if (key != null) {
            access.awaitRepeatable("release of lock '" + name + "'", () -> kv.delete(bytes(key)));
        }
    }

    @Override
    public boolean isValid(long fencingToken) {
        EtcdSession.Granted lease = heldUnder;
        return lease != null && lease.isAlive(session.ttl());
    }

    private void deleteQuietly(String key) {
        try {
            access.await("dequeue from lock '" + name + "'", () -> kv.delete(bytes(key)));
        } catch (KVStoreException e) {
            log.debug("Could not remove {} after a failed acquisition (its lease removes it): {}", key,
                    e.getMessage());
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** Whether this contender's turn has come: its key exists and no older key is left in the queue. */
    private final class Turn extends WaitCondition<Long> {

        private final String key;
        private final long revision;
        /** The keys ahead of this one, with their holders. */
        private final Map<String, KeyValue> ahead = new HashMap<>();
        private boolean queued;

        Turn(String key, long revision) {
            this.key = key;
            this.revision = revision;
        }

        @Override
        void reset(List<KeyValue> kvs) {
            ahead.clear();
            queued = false;
            kvs.forEach(this::put);
        }

        @Override
        void put(KeyValue kv) {
            String k = kv.getKey().toString(StandardCharsets.UTF_8);
            if (k.equals(key)) {
                queued = true;
            } else if (kv.getCreateRevision() < revision) {
                ahead.put(k, kv);
            }
        }

        @Override
        void delete(KeyValue kv) {
            String k = kv.getKey().toString(StandardCharsets.UTF_8);
            ahead.remove(k);
            if (k.equals(key)) {
                queued = false;
            }
        }

        @Override
        @Nullable Long result() {
            if (!queued) {
                throw new KVStoreException("lock '" + name + "': this process's place in the queue (" + key
                        + ") was deleted, most likely because its lease expired");
            }
            return ahead.isEmpty() ? revision : null;
        }

        @Override
        String missing() {
            KeyValue first = ahead.values().stream()
                    .min(java.util.Comparator.comparingLong(KeyValue::getCreateRevision)).orElse(null);
            return first == null ? "nobody ahead" : "held by " + first.getValue().toString(StandardCharsets.UTF_8)
                    + " (" + ahead.size() + " contender(s) ahead)";
        }

        @Override
        KVStoreTimeoutException timeout(Duration timeout) {
            return new KVStoreTimeoutException("lock '" + name + "' was not acquired within " + timeout + ": "
                    + missing());
        }
    }
}
