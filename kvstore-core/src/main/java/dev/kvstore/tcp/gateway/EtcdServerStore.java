package dev.kvstore.tcp.gateway;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.etcd.access.FencedWriter;
import dev.kvstore.etcd.access.RevisionWatch;
import dev.kvstore.internal.AsyncFailure;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.Printable;
import dev.kvstore.tcp.server.ServerStore;
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
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a {@link dev.kvstore.tcp.server.TcpStoreServer} in etcd ({@code kvstore.tcp.server.store=etcd}): the
 * server becomes a stateless gateway, and several gateways on one etcd prefix serve one job, any of which can die
 * without losing a key.
 *
 * <pre>{@code
 * TcpStoreServer gateway = TcpStoreServer.builder().host("0.0.0.0").port(29500)
 *         .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints("http://etcd-1:2379"),
 *                 "kvstore-tcpstore/job-42/"))
 *         .build().start();
 * }</pre>
 *
 * <p>Each call is one or a few asynchronous etcd calls; nothing blocks, and every call fails once the request timeout
 * has passed. Layout in {@link GatewayKeys}. Every etcd call goes through {@link EtcdAccess}, the layer the etcd
 * backend uses too. Single-key read-modify-writes go through a {@link FencedWriter}, atomic
 * across gateways, and a lost answer is settled, never applied twice; readiness reads are batched by
 * {@link ReadinessReads}, SETs by {@link BatchedSets}; the one {@link RevisionWatch} reports every change under the
 * prefix, and since jetcd resumes a broken watch silently, the server is also asked every
 * {@link #REREAD_INTERVAL_MILLIS} ms to read again the keys its waits wait for.
 */
public final class EtcdServerStore implements ServerStore {

    /** The etcd prefix of {@link #of(EtcdKVStore.Builder)}: {@value}. */
    public static final String DEFAULT_PREFIX = "kvstore-tcpstore/";

    private static final Logger log = LoggerFactory.getLogger(EtcdServerStore.class);

    /** Operations in one etcd transaction at most: etcd's default --max-txn-ops is 128. */
    static final int MAX_TXN_OPS = 128;
    /** How often the server is asked to read the keys of its pending waits again, whatever the watch says. */
    static final long REREAD_INTERVAL_MILLIS = 2000;
    /** How old the key count {@link #keyCount()} answers may be before it is read again. */
    private static final long KEY_COUNT_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final GetOption COUNT = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    private static final GetOption KEYS = GetOption.builder().isPrefix(true).withKeysOnly(true).build();
    private static final GetOption FIRST = GetOption.builder().isPrefix(true).withLimit(1)
            .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();

    private final EtcdKVStore.Builder connecting;
    private final GatewayKeys keys;
    private final AtomicBoolean keyCountReading = new AtomicBoolean();
    private volatile long keyCount;
    private volatile long keyCountReadAt = System.nanoTime() - KEY_COUNT_MAX_AGE_NANOS;
    // Set by open(): the etcd connection and what works on it.
    private EtcdKVStore connection;
    private KV kv;
    private Duration requestTimeout;
    private EtcdAccess access;
    private FencedWriter writer;
    private ScheduledExecutorService scheduler;
    private RevisionWatch watch;
    private ReadinessReads readiness;
    private BatchedSets sets;

    private EtcdServerStore(EtcdKVStore.Builder connecting, GatewayKeys keys) {
        this.connecting = connecting;
        this.keys = keys;
    }

    /** @return keys in etcd under {@value #DEFAULT_PREFIX} */
    public static EtcdServerStore of(EtcdKVStore.Builder connection) {
        return of(connection, DEFAULT_PREFIX);
    }

    /**
     * Keys in etcd: the server connects with {@code connection} when it starts (its endpoints, credentials, TLS, client
     * customizers and request timeout; its namespace is not used) and closes that connection when it closes. Every
     * gateway of one job must use the same prefix, and no other job the same.
     *
     * @param prefix the etcd key prefix of this job's TCPStore keys, e.g. {@code "kvstore-tcpstore/job-42/"}
     */
    public static EtcdServerStore of(EtcdKVStore.Builder connection, String prefix) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(prefix, "prefix");
        return new EtcdServerStore(connection, new GatewayKeys(prefix));
    }

    /**
     * Connects to etcd and starts watching the prefix.
     *
     * @throws EtcdServerStoreException if etcd cannot be reached or read
     */
    @Override
    public void open(Listener listener) {
        EtcdKVStore opened;
        try {
            opened = connecting.build();
        } catch (KVStoreException e) {
            throw new EtcdServerStoreException("the TCPStore gateway cannot use etcd: " + e.getMessage(), e);
        }
        try {
            connect(opened, listener);
            long revision = currentRevision().get();
            watch.startAfter(revision);
            scheduler.scheduleWithFixedDelay(() -> listener.missed("the periodic re-read (a watch may be down "
                    + "without saying so)"), REREAD_INTERVAL_MILLIS, REREAD_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            log.info("TCPStore gateway keeps its keys in etcd {} under '{}' (from revision {})",
                    opened.endpoints(), keys.prefix(), revision);
        } catch (ExecutionException e) {
            close(opened);
            throw new EtcdServerStoreException("the TCPStore gateway cannot read etcd " + opened.endpoints()
                    + " (kvstore.etcd.endpoints): " + AsyncFailure.cause(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            close(opened);
            Thread.currentThread().interrupt();
            throw new EtcdServerStoreException("interrupted while connecting the TCPStore gateway to etcd", e);
        } catch (KVStoreException e) {
            close(opened);
            throw new EtcdServerStoreException("the TCPStore gateway cannot read etcd " + opened.endpoints()
                    + " (kvstore.etcd.endpoints): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(opened);
            throw e;
        }
    }

    private void connect(EtcdKVStore opened, Listener listener) {
        this.connection = opened;
        this.access = new EtcdAccess(opened.jetcdClient(), opened.endpoints(), opened.requestTimeout());
        this.kv = access.kv();
        this.requestTimeout = opened.requestTimeout();
        this.writer = access.writer(keys);
        this.readiness = new ReadinessReads(keys, this::commit);
        this.sets = new BatchedSets(keys, this::commit);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kvstore-tcpstore-gateway-" + keys.prefix());
            thread.setDaemon(true);
            return thread;
        });
        this.watch = access.watch(keys.all(), true, true, "TCPStore gateway: the etcd watch of '" + keys.prefix() + "'",
                new RevisionWatch.Listener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        report(events, listener);
                    }

                    @Override
                    public void onGap(String reason) {
                        listener.missed(reason);
                    }

                    @Override
                    public void onDown(String reason) {
                        listener.missed(reason); // read meanwhile: waiting clients see writes while it is down
                    }
                });
    }

    private void close(EtcdKVStore opened) {
        if (watch != null) {
            close();
        } else {
            opened.close();
        }
    }

    private void report(List<WatchEvent> events, Listener listener) {
        for (WatchEvent event : events) {
            KeyValue changed = event.getKeyValue();
            GatewayKeys.Kind kind = keys.kind(changed.getKey());
            boolean put = event.getEventType() == WatchEvent.EventType.PUT;
            if (kind == GatewayKeys.Kind.QUEUE_ITEM && put) {
                listener.pushed(text(keys.wireKey(changed.getKey())));
            } else if (kind == GatewayKeys.Kind.VALUE) {
                KeyValue previous = event.getPrevKV();
                byte[] old = previous == null || previous.getVersion() == 0 ? null : previous.getValue().getBytes();
                String key = text(keys.wireKey(changed.getKey()));
                if (put) {
                    listener.written(key, old, changed.getValue().getBytes());
                } else {
                    listener.deleted(key, old);
                }
            }
        }
    }

    /** @return a key's wire bytes as the server holds them, one char per byte */
    private static String text(byte[] wire) {
        return new String(wire, StandardCharsets.ISO_8859_1);
    }

    /** @return a key as the server holds it, as its wire bytes */
    private static byte[] wire(String key) {
        return key.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A call that is safe to repeat, retried while etcd is briefly unavailable (a leader election) until the request
     * timeout.
     */
    private <T> CompletableFuture<T> repeatable(Supplier<CompletableFuture<T>> call) {
        return access.repeatable(call);
    }

    /** One transaction of {@code ops} (reads, or puts of whole values), {@link #repeatable} as they are. */
    private CompletableFuture<TxnResponse> commit(Op[] ops) {
        return repeatable(() -> kv.txn().Then(ops).commit());
    }

    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
        return repeatable(() -> kv.get(keys.value(wire(key)))).thenApply(read -> read.getKvs().isEmpty()
                ? null : read.getKvs().get(0).getValue().getBytes());
    }

    /** Batched with the other SETs under way: see {@link BatchedSets}. */
    @Override
    public CompletionStage<Void> set(String key, byte[] value) {
        return sets.set(key, value);
    }

    /** A delete through the {@link FencedWriter}, so that a lost answer is settled, not retried into a 0. */
    @Override
    public CompletionStage<Boolean> delete(String key) {
        return writer.write(keys.value(wire(key)), current -> current == null ? FencedWriter.Outcome.unchanged(Boolean.FALSE)
                : FencedWriter.Outcome.deleted(Boolean.TRUE));
    }

    @Override
    public <R extends @Nullable Object> CompletionStage<R> update(String key, Update<R> update) {
        return writer.write(keys.value(wire(key)), current -> {
            Update.Result<R> result = update.apply(current);
            byte[] value = result.value();
            return value == null ? FencedWriter.Outcome.unchanged(result.reply())
                    : FencedWriter.Outcome.set(value, result.reply());
        });
    }

    @Override
    public CompletionStage<Long> count() {
        return repeatable(() -> kv.get(keys.values(), COUNT)).thenApply(GetResponse::getCount);
    }

    /** The keys with a value in etcd (every gateway's writes), as read at most about a second ago. */
    @Override
    public long keyCount() {
        if (kv != null && System.nanoTime() - keyCountReadAt > KEY_COUNT_MAX_AGE_NANOS
                && keyCountReading.compareAndSet(false, true)) {
            count().whenComplete((count, error) -> {
                if (error == null) {
                    keyCount = count;
                    keyCountReadAt = System.nanoTime();
                }
                keyCountReading.set(false);
            });
        }
        return keyCount;
    }

    @Override
    public CompletionStage<List<String>> keys() {
        return repeatable(() -> kv.get(keys.values(), KEYS)).thenApply(read -> {
            List<String> found = new ArrayList<>(read.getKvs().size());
            for (KeyValue keyValue : read.getKvs()) {
                found.add(text(keys.wireKey(keyValue.getKey())));
            }
            return found;
        });
    }

    @Override
    public CompletionStage<List<byte @Nullable []>> getAll(List<String> wanted) {
        List<CompletableFuture<TxnResponse>> reads = new ArrayList<>();
        for (int from = 0; from < wanted.size(); from += MAX_TXN_OPS) {
            List<Op> gets = new ArrayList<>();
            for (String key : wanted.subList(from, Math.min(wanted.size(), from + MAX_TXN_OPS))) {
                gets.add(Op.get(keys.value(wire(key)), GetOption.DEFAULT));
            }
            reads.add(commit(gets.toArray(Op[]::new)));
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
    public CompletionStage<Void> setAll(List<String> setKeys, List<byte[]> values) {
        Map<String, byte[]> last = new LinkedHashMap<>();
        for (int i = 0; i < setKeys.size(); i++) {
            last.put(setKeys.get(i), values.get(i));
        }
        List<Op> puts = new ArrayList<>();
        last.forEach((key, value) -> puts.add(Op.put(keys.value(wire(key)),
                ByteSequence.from(value), PutOption.DEFAULT)));
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        for (int from = 0; from < puts.size(); from += MAX_TXN_OPS) {
            Op[] chunk = puts.subList(from, Math.min(puts.size(), from + MAX_TXN_OPS)).toArray(Op[]::new);
            done = done.thenCompose(previous -> commit(chunk).thenApply(txn -> null));
        }
        return done;
    }

    /** Batched with the other readiness reads under way: see {@link ReadinessReads}. */
    @Override
    public CompletionStage<boolean[]> present(List<String> wanted) {
        return readiness.present(wanted);
    }

    /** Appends to the queue: the next number of its counter, and the item under it, in one transaction. */
    @Override
    public CompletionStage<Void> queuePush(String key, byte[] item) {
        byte[] wireKey = wire(key);
        return writer.write(keys.queueCounter(wireKey), current -> {
            long next = current == null ? 1 : DecimalText.parse(current).orElse(0) + 1;
            return new FencedWriter.Outcome<Void>(DecimalText.format(next), false, null,
                    List.of(Op.put(keys.queueItem(wireKey, next), ByteSequence.from(item), PutOption.DEFAULT)));
        }, 1);
    }

    /** Removes the queue's first item, retrying while other clients take it first. */
    @Override
    public CompletionStage<Popped> queuePop(String key) {
        return queuePop(wire(key), System.nanoTime() + requestTimeout.toNanos());
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
    public CompletionStage<Long> queueLength(String key) {
        return repeatable(() -> kv.get(keys.queue(wire(key)), COUNT)).thenApply(GetResponse::getCount);
    }

    /** @return the revision etcd is at now */
    CompletableFuture<Long> currentRevision() {
        return access.currentRevision(keys.all());
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
            writer.close();
            scheduler.shutdownNow();
        }
        if (connection != null) {
            connection.close();
        }
    }

    @Override
    public String toString() {
        return "etcd prefix '" + keys.prefix() + "'";
    }
}
