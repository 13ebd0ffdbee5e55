package dev.kvstore.tcp.gateway;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.etcd.access.FencedWriter;
import dev.kvstore.etcd.access.RevisionWatch;
import dev.kvstore.internal.AsyncFailure;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.Printable;
import dev.kvstore.tcp.server.spi.KeyChange;
import dev.kvstore.tcp.server.spi.KeyChangeListener;
import dev.kvstore.tcp.server.spi.KeyStorage;
import dev.kvstore.tcp.server.spi.KeyUpdate;
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
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCPStore keys of a gateway in etcd: each call one or a few asynchronous etcd calls, nothing blocks, every call
 * fails once the request timeout has passed. Layout in {@link GatewayKeys}. Single-key read-modify-writes go through
 * a {@link FencedWriter}, atomic across gateways; readiness reads are batched by {@link ReadinessReads}; the one
 * {@link RevisionWatch} reports every change under the prefix. Every etcd call goes through {@link EtcdAccess}.
 */
final class EtcdKeyStorage implements KeyStorage {

    private static final Logger log = LoggerFactory.getLogger(EtcdKeyStorage.class);

    /** Operations in one etcd transaction at most: etcd's default --max-txn-ops is 128. */
    static final int MAX_TXN_OPS = 128;

    private static final GetOption COUNT = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    private static final GetOption KEYS = GetOption.builder().isPrefix(true).withKeysOnly(true).build();
    private static final GetOption FIRST = GetOption.builder().isPrefix(true).withLimit(1)
            .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();

    private final EtcdKVStore connection;
    private final EtcdAccess access;
    private final KV kv;
    private final GatewayKeys keys;
    private final Duration requestTimeout;
    private final FencedWriter writer;
    private final RevisionWatch watch;
    private final ReadinessReads readiness;

    private EtcdKeyStorage(EtcdKVStore connection, GatewayKeys keys, KeyChangeListener listener) {
        this.connection = connection;
        this.access = new EtcdAccess(connection.jetcdClient(), connection.endpoints(), connection.requestTimeout());
        this.kv = access.kv();
        this.keys = keys;
        this.requestTimeout = connection.requestTimeout();
        this.writer = access.writer(keys);
        this.readiness = new ReadinessReads(keys, ops -> repeatable(() -> kv.txn().Then(ops).commit()));
        this.watch = access.watch(keys.all(), "TCPStore gateway: the etcd watch of '" + keys.prefix() + "'",
                new RevisionWatch.Listener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        List<KeyChange> changes = changes(events);
                        if (!changes.isEmpty()) {
                            listener.changed(changes);
                        }
                    }

                    @Override
                    public void onGap(String reason) {
                        listener.gap(reason);
                    }
                });
    }

    /**
     * Connects to etcd and starts watching the prefix.
     *
     * @throws KVStoreConnectionException if etcd cannot be read
     */
    static EtcdKeyStorage open(EtcdKVStore.Builder connecting, String prefix, KeyChangeListener listener) {
        EtcdKVStore connection = connecting.build();
        EtcdKeyStorage storage = null;
        try {
            storage = new EtcdKeyStorage(connection, new GatewayKeys(prefix), listener);
            long revision = storage.currentRevision().get();
            storage.watch.startAfter(revision);
            log.info("TCPStore gateway keeps its keys in etcd {} under '{}' (from revision {})",
                    connection.endpoints(), prefix, revision);
            return storage;
        } catch (ExecutionException e) {
            close(storage, connection);
            throw new KVStoreConnectionException("the TCPStore gateway cannot read etcd " + connection.endpoints()
                    + " (kvstore.etcd.endpoints): " + AsyncFailure.cause(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            close(storage, connection);
            Thread.currentThread().interrupt();
            throw new KVStoreConnectionException("interrupted while connecting the TCPStore gateway to etcd", e);
        } catch (RuntimeException e) {
            close(storage, connection);
            throw e;
        }
    }

    private static void close(@Nullable EtcdKeyStorage storage, EtcdKVStore connection) {
        if (storage != null) {
            storage.close();
        } else {
            connection.close();
        }
    }

    private List<KeyChange> changes(List<WatchEvent> events) {
        List<KeyChange> changes = new ArrayList<>(events.size());
        for (WatchEvent event : events) {
            KeyValue changed = event.getKeyValue();
            GatewayKeys.Kind kind = keys.kind(changed.getKey());
            boolean put = event.getEventType() == WatchEvent.EventType.PUT;
            if (kind == GatewayKeys.Kind.QUEUE_ITEM && put) {
                changes.add(new KeyChange(KeyChange.Type.QUEUE_PUSHED, keys.wireKey(changed.getKey()), null,
                        changed.getValue().getBytes()));
            } else if (kind == GatewayKeys.Kind.VALUE) {
                KeyValue previous = event.getPrevKV();
                byte[] old = previous == null || previous.getVersion() == 0 ? null : previous.getValue().getBytes();
                changes.add(put
                        ? new KeyChange(KeyChange.Type.SET, keys.wireKey(changed.getKey()), old,
                                changed.getValue().getBytes())
                        : new KeyChange(KeyChange.Type.DELETED, keys.wireKey(changed.getKey()), old, new byte[0]));
            }
        }
        return changes;
    }

    /**
     * A call that is safe to repeat, retried while etcd is briefly unavailable (a leader election) until the request
     * timeout.
     */
    private <T> CompletableFuture<T> repeatable(Supplier<CompletableFuture<T>> call) {
        return access.repeatable(call);
    }

    @Override
    public CompletionStage<byte @Nullable []> get(byte[] key) {
        return repeatable(() -> kv.get(keys.value(key))).thenApply(read -> read.getKvs().isEmpty()
                ? null : read.getKvs().get(0).getValue().getBytes());
    }

    @Override
    public CompletionStage<Void> set(byte[] key, byte[] value) {
        return repeatable(() -> kv.put(keys.value(key), ByteSequence.from(value))).thenApply(put -> null);
    }

    /** A delete through the {@link FencedWriter}, so that a lost answer is settled, not retried into a 0. */
    @Override
    public CompletionStage<Boolean> delete(byte[] key) {
        return writer.write(keys.value(key), current -> current == null ? FencedWriter.Outcome.unchanged(Boolean.FALSE)
                : FencedWriter.Outcome.deleted(Boolean.TRUE));
    }

    @Override
    public <R extends @Nullable Object> CompletionStage<R> update(byte[] key, KeyUpdate<R> update) {
        return writer.write(keys.value(key), current -> {
            KeyUpdate.Result<R> result = update.apply(current);
            byte[] value = result.value();
            return value == null ? FencedWriter.Outcome.unchanged(result.reply())
                    : FencedWriter.Outcome.set(value, result.reply());
        });
    }

    @Override
    public CompletionStage<Long> count() {
        return repeatable(() -> kv.get(keys.values(), COUNT)).thenApply(GetResponse::getCount);
    }

    @Override
    public CompletionStage<List<byte[]>> keys() {
        return repeatable(() -> kv.get(keys.values(), KEYS)).thenApply(read -> {
            List<byte[]> found = new ArrayList<>(read.getKvs().size());
            for (KeyValue keyValue : read.getKvs()) {
                found.add(keys.wireKey(keyValue.getKey()));
            }
            return found;
        });
    }

    @Override
    public CompletionStage<List<byte @Nullable []>> getAll(List<byte[]> wanted) {
        List<CompletableFuture<TxnResponse>> reads = new ArrayList<>();
        for (int from = 0; from < wanted.size(); from += MAX_TXN_OPS) {
            List<Op> gets = new ArrayList<>();
            for (byte[] key : wanted.subList(from, Math.min(wanted.size(), from + MAX_TXN_OPS))) {
                gets.add(Op.get(keys.value(key), GetOption.DEFAULT));
            }
            reads.add(repeatable(() -> kv.txn().Then(gets.toArray(Op[]::new)).commit()));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<byte @Nullable []> values = new ArrayList<>(wanted.size());
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
    @Override
    public CompletionStage<Void> setAll(List<byte[]> setKeys, List<byte[]> values) {
        Map<String, byte[]> last = new LinkedHashMap<>();
        for (int i = 0; i < setKeys.size(); i++) {
            last.put(new String(setKeys.get(i), StandardCharsets.ISO_8859_1), values.get(i));
        }
        List<Op> puts = new ArrayList<>();
        last.forEach((key, value) -> puts.add(Op.put(keys.value(key.getBytes(StandardCharsets.ISO_8859_1)),
                ByteSequence.from(value), PutOption.DEFAULT)));
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        for (int from = 0; from < puts.size(); from += MAX_TXN_OPS) {
            Op[] chunk = puts.subList(from, Math.min(puts.size(), from + MAX_TXN_OPS)).toArray(Op[]::new);
            done = done.thenCompose(previous -> repeatable(() -> kv.txn().Then(chunk).commit()).thenApply(txn -> null));
        }
        return done;
    }

    /** Batched with the other readiness reads under way: see {@link ReadinessReads}. */
    @Override
    public CompletionStage<boolean[]> present(List<byte[]> wanted) {
        return readiness.present(wanted);
    }

    /** Appends to the queue: the next number of its counter, and the item under it, in one transaction. */
    @Override
    public CompletionStage<Void> queuePush(byte[] key, byte[] item) {
        return writer.write(keys.queueCounter(key), current -> {
            long next = current == null ? 1 : DecimalText.parse(current).orElse(0) + 1;
            return new FencedWriter.Outcome<Void>(DecimalText.format(next), false, null,
                    List.of(Op.put(keys.queueItem(key, next), ByteSequence.from(item), PutOption.DEFAULT)));
        }, 1);
    }

    /** Removes the queue's first item, retrying while other clients take it first. */
    @Override
    public CompletionStage<Popped> queuePop(byte[] key) {
        return queuePop(key, System.nanoTime() + requestTimeout.toNanos());
    }

    private CompletableFuture<Popped> queuePop(byte[] key, long deadline) {
        ByteSequence queue = keys.queue(key);
        return repeatable(() -> kv.get(queue, FIRST)).thenCompose(read -> {
            if (read.getKvs().isEmpty()) {
                return CompletableFuture.completedFuture(new Popped(0, null));
            }
            KeyValue first = read.getKvs().get(0);
            Cmp untaken = new Cmp(first.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(first.getModRevision()));
            return access.call(() -> kv.txn().If(untaken)
                    .Then(Op.delete(first.getKey(), DeleteOption.DEFAULT), Op.get(queue, COUNT)).commit())
                    .thenCompose(txn -> {
                        if (txn.isSucceeded()) {
                            long lengthAfter = txn.getGetResponses().get(0).getCount();
                            return CompletableFuture.completedFuture(
                                    new Popped(lengthAfter + 1, first.getValue().getBytes()));
                        }
                        if (System.nanoTime() - deadline > 0) {
                            return CompletableFuture.failedFuture(new TimeoutException("QUEUE_POP of '"
                                    + Printable.of(key, 200) + "' lost to other clients' pops until the request "
                                    + "timeout of " + requestTimeout + " passed (kvstore.etcd.request-timeout)"));
                        }
                        return queuePop(key, deadline);
                    });
        });
    }

    @Override
    public CompletionStage<Long> queueLength(byte[] key) {
        return repeatable(() -> kv.get(keys.queue(key), COUNT)).thenApply(GetResponse::getCount);
    }

    /** @return the revision etcd is at now */
    CompletableFuture<Long> currentRevision() {
        return access.currentRevision(keys.all());
    }

    @Override
    public void close() {
        watch.close();
        writer.close();
        connection.close();
    }

    @Override
    public String toString() {
        return "etcd " + connection.endpoints() + " prefix '" + keys.prefix() + "'";
    }
}
