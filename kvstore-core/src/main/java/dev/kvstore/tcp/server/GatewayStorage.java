package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The TCPStore commands of a gateway on etcd, each an asynchronous etcd call with the semantics of
 * {@link StoreState}: nothing here blocks, every call fails once the request timeout has passed. Layout in
 * {@link GatewayKeys}. Single-key read-modify-writes go through a {@link KeyWriter}, atomic across gateways.
 */
final class GatewayStorage {

    /** Operations in one etcd transaction at most: etcd's default --max-txn-ops is 128. */
    static final int MAX_TXN_OPS = 128;
    /** Readiness reads under way at once; more are queued and go out together. */
    static final int MAX_READS_IN_FLIGHT = 2;

    private static final GetOption COUNT = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    private static final GetOption KEYS = GetOption.builder().isPrefix(true).withKeysOnly(true).build();
    private static final GetOption FIRST = GetOption.builder().isPrefix(true).withLimit(1)
            .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();

    private final KV kv;
    private final GatewayKeys keys;
    private final ServerLimits limits;
    private final Duration requestTimeout;
    private final KeyWriter writer;
    /** Readiness reads waiting for one of the {@link #MAX_READS_IN_FLIGHT} to end; guarded by itself. */
    private final List<ReadyRead> queuedReads = new ArrayList<>();
    private int readsInFlight;

    GatewayStorage(KV kv, GatewayKeys keys, ServerLimits limits, Duration requestTimeout) {
        this.kv = kv;
        this.keys = keys;
        this.limits = limits;
        this.requestTimeout = requestTimeout;
        this.writer = new KeyWriter(kv, keys, this::bounded, requestTimeout.toNanos());
    }

    GatewayKeys keys() {
        return keys;
    }

    /** jetcd's deadline interceptor bounds each call already; this also bounds what jetcd retries on its own. */
    <T> CompletableFuture<T> bounded(CompletableFuture<T> future) {
        return future.orTimeout(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /**
     * A call that is safe to repeat, retried while etcd is briefly unavailable (a leader election) until the request
     * timeout.
     */
    private <T> CompletableFuture<T> repeatable(java.util.function.Supplier<CompletableFuture<T>> call) {
        return EtcdRetry.idempotent(() -> bounded(call.get()), System.nanoTime() + requestTimeout.toNanos());
    }

    /** @return the value, or {@code null} if the key is missing */
    CompletableFuture<byte[]> get(String key) {
        return repeatable(() -> kv.get(keys.value(key))).thenApply(read -> read.getKvs().isEmpty()
                ? null : read.getKvs().get(0).getValue().getBytes());
    }

    CompletableFuture<Void> set(String key, byte[] value) {
        return repeatable(() -> kv.put(keys.value(key), ByteSequence.from(value))).thenApply(put -> null);
    }

    /** @return 1 if the key existed, else 0 (also when a retry after a lost answer finds it deleted already) */
    CompletableFuture<Long> delete(String key) {
        return repeatable(() -> kv.delete(keys.value(key))).thenApply(deleted -> deleted.getDeleted());
    }

    CompletableFuture<Long> add(String key, long delta) {
        return writer.write(keys.value(key), current -> {
            long sum = StoreState.sum(key, current, delta);
            return new KeyWriter.Outcome<>(DecimalText.format(sum), sum);
        });
    }

    /** @return the reply of COMPARE_SET, as {@link StoreState#compareSet} defines it */
    CompletableFuture<byte[]> compareSet(String key, byte[] expected, byte[] desired) {
        return writer.write(keys.value(key), current -> {
            if (current == null ? expected.length == 0 : Arrays.equals(current, expected)) {
                return new KeyWriter.Outcome<>(desired, desired);
            }
            return new KeyWriter.Outcome<>(current, current == null ? expected : current);
        });
    }

    CompletableFuture<Void> append(String key, byte[] data) {
        return writer.write(keys.value(key), current -> {
            if (current == null) {
                return new KeyWriter.Outcome<>(data, null);
            }
            return new KeyWriter.Outcome<>(StoreState.joined(key, current, data, limits), null);
        });
    }

    CompletableFuture<Long> numKeys() {
        return repeatable(() -> kv.get(keys.values(), COUNT)).thenApply(GetResponse::getCount);
    }

    CompletableFuture<List<String>> listKeys() {
        return repeatable(() -> kv.get(keys.values(), KEYS)).thenApply(read -> {
            List<String> found = new ArrayList<>(read.getKvs().size());
            for (KeyValue keyValue : read.getKvs()) {
                found.add(keys.wireKey(keyValue.getKey()));
            }
            return found;
        });
    }

    /** @return the values in key order, {@code null} for a missing key */
    CompletableFuture<List<byte[]>> multiGet(List<String> wanted) {
        List<CompletableFuture<TxnResponse>> reads = new ArrayList<>();
        for (int from = 0; from < wanted.size(); from += MAX_TXN_OPS) {
            List<Op> gets = new ArrayList<>();
            for (String key : wanted.subList(from, Math.min(wanted.size(), from + MAX_TXN_OPS))) {
                gets.add(Op.get(keys.value(key), GetOption.DEFAULT));
            }
            reads.add(repeatable(() -> kv.txn().Then(gets.toArray(Op[]::new)).commit()));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<byte[]> values = new ArrayList<>(wanted.size());
            for (CompletableFuture<TxnResponse> read : reads) {
                for (GetResponse get : read.join().getGetResponses()) {
                    values.add(get.getKvs().isEmpty() ? null : get.getKvs().get(0).getValue().getBytes());
                }
            }
            return values;
        });
    }

    /**
     * Stores the pairs in one transaction (etcd refuses a key twice in one: the last value of a repeated key wins, as
     * it would after the writes in turn). More keys than {@link #MAX_TXN_OPS} take one transaction per 128.
     */
    CompletableFuture<Void> multiSet(List<String> setKeys, List<byte[]> values) {
        Map<String, byte[]> last = new LinkedHashMap<>();
        for (int i = 0; i < setKeys.size(); i++) {
            last.put(setKeys.get(i), values.get(i));
        }
        List<Op> puts = new ArrayList<>();
        last.forEach((key, value) -> puts.add(Op.put(keys.value(key), ByteSequence.from(value), PutOption.DEFAULT)));
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        for (int from = 0; from < puts.size(); from += MAX_TXN_OPS) {
            Op[] chunk = puts.subList(from, Math.min(puts.size(), from + MAX_TXN_OPS)).toArray(Op[]::new);
            done = done.thenCompose(previous -> repeatable(() -> kv.txn().Then(chunk).commit()).thenApply(txn -> null));
        }
        return done;
    }

    /**
     * @return keys that are set or name a non-empty queue (what WAIT and CHECK wait for): all such keys of
     *     {@code wanted}, perhaps others. Reads asked for while {@link #MAX_READS_IN_FLIGHT} are under way go out
     *     together when one ends, one read per distinct key: 512 ranks waiting for one key cost a few reads.
     */
    CompletableFuture<Set<String>> readyKeys(List<String> wanted) {
        ReadyRead read = new ReadyRead(wanted, new CompletableFuture<>());
        boolean start;
        synchronized (queuedReads) {
            queuedReads.add(read);
            start = readsInFlight < MAX_READS_IN_FLIGHT;
            if (start) {
                readsInFlight++;
            }
        }
        if (start) {
            nextReads();
        }
        return read.result();
    }

    private record ReadyRead(List<String> keys, CompletableFuture<Set<String>> result) {
    }

    /** Reads what is queued, then goes on with what was queued meanwhile; ends when nothing is. */
    private void nextReads() {
        List<ReadyRead> batch;
        synchronized (queuedReads) {
            if (queuedReads.isEmpty()) {
                readsInFlight--;
                return;
            }
            batch = new ArrayList<>(queuedReads);
            queuedReads.clear();
        }
        List<String> union = new ArrayList<>();
        batch.forEach(read -> union.addAll(read.keys()));
        readReady(union).whenComplete((ready, error) -> {
            for (ReadyRead read : batch) {
                if (error != null) {
                    read.result().completeExceptionally(error);
                } else {
                    read.result().complete(ready);
                }
            }
            nextReads();
        });
    }

    private CompletableFuture<Set<String>> readReady(List<String> wanted) {
        List<String> distinct = List.copyOf(new java.util.LinkedHashSet<>(wanted));
        int perTxn = MAX_TXN_OPS / 2;
        List<CompletableFuture<Set<String>>> reads = new ArrayList<>();
        for (int from = 0; from < distinct.size(); from += perTxn) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + perTxn));
            List<Op> counts = new ArrayList<>();
            for (String key : chunk) {
                counts.add(Op.get(keys.value(key), GetOption.builder().withCountOnly(true).build()));
                counts.add(Op.get(keys.queue(key), COUNT));
            }
            reads.add(repeatable(() -> kv.txn().Then(counts.toArray(Op[]::new)).commit()).thenApply(txn -> {
                Set<String> ready = new HashSet<>();
                List<GetResponse> found = txn.getGetResponses();
                for (int i = 0; i < chunk.size(); i++) {
                    if (found.get(2 * i).getCount() > 0 || found.get(2 * i + 1).getCount() > 0) {
                        ready.add(chunk.get(i));
                    }
                }
                return ready;
            }));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Set<String> ready = new HashSet<>();
            reads.forEach(read -> ready.addAll(read.join()));
            return ready;
        });
    }

    /** Appends to the queue: the next number of its counter, and the item under it, in one transaction. */
    CompletableFuture<Void> queuePush(String key, byte[] value) {
        return writer.write(keys.queueCounter(key), current -> {
            long next = current == null ? 1 : StoreState.sum(key, current, 1);
            return new KeyWriter.Outcome<Void>(DecimalText.format(next), null,
                    List.of(Op.put(keys.queueItem(key, next), ByteSequence.from(value), PutOption.DEFAULT)));
        }, 1);
    }

    /** Removes the queue's first item, retrying while other clients take it first. */
    CompletableFuture<StoreState.QueuePop> queuePop(String key) {
        return queuePop(key, System.nanoTime() + requestTimeout.toNanos());
    }

    private CompletableFuture<StoreState.QueuePop> queuePop(String key, long deadline) {
        ByteSequence queue = keys.queue(key);
        return repeatable(() -> kv.get(queue, FIRST)).thenCompose(read -> {
            if (read.getKvs().isEmpty()) {
                return CompletableFuture.completedFuture(new StoreState.QueuePop(0, null));
            }
            KeyValue first = read.getKvs().get(0);
            Cmp untaken = new Cmp(first.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(first.getModRevision()));
            return bounded(kv.txn().If(untaken)
                    .Then(Op.delete(first.getKey(), DeleteOption.DEFAULT), Op.get(queue, COUNT)).commit())
                    .thenCompose(txn -> {
                        if (txn.isSucceeded()) {
                            long lengthAfter = txn.getGetResponses().get(0).getCount();
                            return CompletableFuture.completedFuture(
                                    new StoreState.QueuePop(lengthAfter + 1, first.getValue().getBytes()));
                        }
                        if (System.nanoTime() - deadline > 0) {
                            return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException(
                                    "QUEUE_POP of " + WireKeys.display(key) + " lost to other clients' pops until "
                                            + "the request timeout of " + requestTimeout + " passed"));
                        }
                        return queuePop(key, deadline);
                    });
        });
    }

    CompletableFuture<Long> queueLength(String key) {
        return repeatable(() -> kv.get(keys.queue(key), COUNT)).thenApply(GetResponse::getCount);
    }

    /** @return the revision etcd is at now */
    CompletableFuture<Long> currentRevision() {
        return repeatable(() -> kv.get(keys.all(), GetOption.builder().isPrefix(true).withCountOnly(true).build()))
                .thenApply(read -> read.getHeader().getRevision());
    }
}
