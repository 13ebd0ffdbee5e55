package dev.kvstore.tcp.gateway;

import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Whether keys are ready (set, or naming a non-empty queue), read from etcd in batches: reads asked for while
 * {@link #MAX_READS_IN_FLIGHT} are under way go out together when one ends, one read per distinct key, so that 512
 * ranks waiting for one key cost a few reads. Thread-safe.
 */
final class ReadinessReads {

    /** Readiness reads under way at once; more are queued and go out together. */
    static final int MAX_READS_IN_FLIGHT = 2;

    private static final GetOption COUNT_ONLY = GetOption.builder().withCountOnly(true).build();
    private static final GetOption PREFIX_COUNT = GetOption.builder().isPrefix(true).withCountOnly(true).build();

    private final GatewayKeys keys;
    /** Commits one read-only transaction, bounded and retried as a repeatable call. */
    private final Function<Op[], CompletableFuture<TxnResponse>> readTxn;
    /** Reads waiting for one of the {@link #MAX_READS_IN_FLIGHT} to end; guarded by itself. */
    private final List<ReadyRead> queuedReads = new ArrayList<>();
    private int readsInFlight;

    ReadinessReads(GatewayKeys keys, Function<Op[], CompletableFuture<TxnResponse>> readTxn) {
        this.keys = keys;
        this.readTxn = readTxn;
    }

    /** @return for each key (its wire bytes one char per byte), whether it is set or names a non-empty queue */
    CompletableFuture<boolean[]> present(List<String> wanted) {
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
        return read.result().thenApply(ready -> {
            boolean[] present = new boolean[wanted.size()];
            for (int i = 0; i < present.length; i++) {
                present[i] = ready.contains(wanted.get(i));
            }
            return present;
        });
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

    /** @return the keys of {@code wanted} that are set or name a non-empty queue */
    private CompletableFuture<Set<String>> readReady(List<String> wanted) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(wanted));
        int perTxn = EtcdServerStore.MAX_TXN_OPS / 2;
        List<CompletableFuture<Set<String>>> reads = new ArrayList<>();
        for (int from = 0; from < distinct.size(); from += perTxn) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + perTxn));
            List<Op> counts = new ArrayList<>();
            for (String key : chunk) {
                byte[] wire = key.getBytes(StandardCharsets.ISO_8859_1);
                counts.add(Op.get(keys.value(wire), COUNT_ONLY));
                counts.add(Op.get(keys.queue(wire), PREFIX_COUNT));
            }
            reads.add(readTxn.apply(counts.toArray(Op[]::new)).thenApply(txn -> {
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
}
