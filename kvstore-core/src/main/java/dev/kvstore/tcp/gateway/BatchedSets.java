package dev.kvstore.tcp.gateway;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * SETs written to etcd in batches: SETs asked for while {@link #MAX_WRITES_IN_FLIGHT} writes are under way go out
 * together when one ends, in one transaction of puts, at most {@link EtcdServerStore#MAX_TXN_OPS} keys each. A key
 * SET more than once meanwhile is put once, with the last value (as a MULTI_SET with a repeated key is), so that the
 * thousands of ranks that SET one key in PyTorch's store-based barrier (every rank that counts all arrivals SETs
 * {@code last_worker}) cost a few transactions, not one each. A key is in one write at a time, so the last SET of a
 * key that this gateway received is the value etcd ends with. A SET completes once the transaction that holds its
 * key's value committed; a lone SET goes out at once. Thread-safe.
 */
final class BatchedSets {

    /** Write transactions under way at once; more SETs are queued and go out together. */
    static final int MAX_WRITES_IN_FLIGHT = 2;

    private final GatewayKeys keys;
    /** Commits one transaction of puts, bounded and retried as a repeatable call. */
    private final Function<Op[], CompletableFuture<TxnResponse>> writeTxn;
    /** Keys with SETs waiting for a write to end: the last value and every waiting SET; guarded by itself. */
    private final Map<String, Queued> queued = new LinkedHashMap<>();
    /** Keys in a write under way: their queued SETs wait for the next write; guarded by {@link #queued}. */
    private final Set<String> writing = new HashSet<>();
    private int writesInFlight;

    BatchedSets(GatewayKeys keys, Function<Op[], CompletableFuture<TxnResponse>> writeTxn) {
        this.keys = keys;
        this.writeTxn = writeTxn;
    }

    /** The SETs of one key waiting to be written, and the value the last of them sets. */
    private static final class Queued {
        byte[] value;
        final List<CompletableFuture<Void>> waiting = new ArrayList<>(1);

        Queued(byte[] value) {
            this.value = value;
        }
    }

    /**
     * @param key the key's wire bytes, one char per byte
     * @return completes once the value (or a later SET's of the key) is in etcd
     */
    CompletableFuture<Void> set(String key, byte[] value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean start;
        synchronized (queued) {
            Queued entry = queued.get(key);
            if (entry == null) {
                entry = new Queued(value);
                queued.put(key, entry);
            } else {
                entry.value = value;
            }
            entry.waiting.add(done);
            start = writesInFlight < MAX_WRITES_IN_FLIGHT;
            if (start) {
                writesInFlight++;
            }
        }
        if (start) {
            nextWrite();
        }
        return done;
    }

    /**
     * Writes what is queued (one transaction's worth, keys not in the other write), then goes on with what is left;
     * ends when nothing is left that it may write (the other write goes on with its keys' SETs).
     */
    private void nextWrite() {
        List<Op> puts = new ArrayList<>();
        List<String> written = new ArrayList<>();
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        synchronized (queued) {
            Iterator<Map.Entry<String, Queued>> entries = queued.entrySet().iterator();
            while (entries.hasNext() && puts.size() < EtcdServerStore.MAX_TXN_OPS) {
                Map.Entry<String, Queued> entry = entries.next();
                if (!writing.add(entry.getKey())) {
                    continue;
                }
                entries.remove();
                written.add(entry.getKey());
                puts.add(Op.put(keys.value(entry.getKey().getBytes(StandardCharsets.ISO_8859_1)),
                        ByteSequence.from(entry.getValue().value), PutOption.DEFAULT));
                batch.addAll(entry.getValue().waiting);
            }
            if (puts.isEmpty()) {
                writesInFlight--;
                return;
            }
        }
        writeTxn.apply(puts.toArray(Op[]::new)).whenComplete((txn, error) -> {
            synchronized (queued) {
                written.forEach(writing::remove);
            }
            for (CompletableFuture<Void> set : batch) {
                if (error != null) {
                    set.completeExceptionally(error);
                } else {
                    set.complete(null);
                }
            }
            nextWrite();
        });
    }
}
