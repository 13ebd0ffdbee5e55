package dev.kvstore.etcd;

import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.Printable;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The store's read-modify-write operations as etcd transactions: {@code add} (the counter rule of
 * {@link DecimalText}) and {@code compareAndSet}. On conflict a transaction returns the current value in the same
 * round trip.
 */
final class EtcdTransactions {

    private final KV kv;
    private final EtcdAccess access;

    EtcdTransactions(KV kv, EtcdAccess access) {
        this.kv = kv;
        this.access = access;
    }

    /**
     * Puts the new count if the key's mod revision is still the one read (0 for a missing key); on conflict the
     * addition is retried on the returned value, until the request timeout.
     */
    long add(String fullKey, long delta) {
        ByteSequence key = bytes(fullKey);
        String what = "add to key '" + fullKey + "'";
        Deadline deadline = Deadline.after(access.requestTimeout());
        KeyValue current = first(access.await(what, () -> kv.get(key)));
        while (true) {
            long next = addExact(fullKey, current, delta);
            long modRevision = current == null ? 0 : current.getModRevision();
            TxnResponse response = access.await(what, () -> kv.txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                    .Then(Op.put(key, ByteSequence.from(DecimalText.format(next)), PutOption.DEFAULT))
                    .Else(Op.get(key, GetOption.DEFAULT))
                    .commit());
            if (response.isSucceeded()) {
                return next;
            }
            if (deadline.hasPassed()) {
                throw new KVStoreTimeoutException("etcd " + what + " kept conflicting with concurrent writers for "
                        + access.requestTimeout() + " (endpoints " + access.endpoints() + ")");
            }
            current = first(response.getGetResponses().get(0));
        }
    }

    /** @param expected the value the key must hold, or {@code null} for "must not exist" */
    boolean compareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
        ByteSequence key = bytes(fullKey);
        Cmp condition = expected == null
                ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(expected)));
        TxnResponse response = access.await("compare-and-set of key '" + fullKey + "'", () -> kv.txn()
                .If(condition)
                .Then(Op.put(key, ByteSequence.from(desired), PutOption.DEFAULT))
                .Else(Op.get(key, GetOption.DEFAULT))
                .commit());
        if (response.isSucceeded()) {
            return true;
        }
        KeyValue current = first(response.getGetResponses().get(0));
        return current != null && Arrays.equals(current.getValue().getBytes(), desired);
    }

    private static long addExact(String fullKey, @Nullable KeyValue current, long delta) {
        if (current == null) {
            return delta;
        }
        byte[] stored = current.getValue().getBytes();
        long value = DecimalText.parse(stored).orElseThrow(() -> new KVStoreException("cannot add to key '"
                + fullKey + "': it holds '" + Printable.of(stored) + "', not a decimal number"));
        try {
            return Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            throw new KVStoreException("cannot add " + delta + " to key '" + fullKey + "' holding " + value
                    + ": the result overflows a long", e);
        }
    }

    private static @Nullable KeyValue first(GetResponse response) {
        return response.getKvs().isEmpty() ? null : response.getKvs().get(0);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
