package dev.kvstore.tcp.server;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Read-modify-writes of single etcd keys (ADD, COMPARE_SET, APPEND, a queue's sequence counter), atomic across
 * gateways: an etcd transaction that writes only if the key's mod revision is still the one the new value was
 * computed from, and otherwise reads the key, so that the retry needs no extra round trip.
 *
 * <p>Within one gateway the writes of a key are queued and applied in batches: everything queued while a transaction
 * is in flight goes into the next one, so 2048 ranks adding to one counter cost a few transactions per gateway, and
 * only other gateways can make one fail. The last value and revision seen stay cached while writes keep coming, so
 * a write usually costs one round trip. Failures are retried until {@code deadlineNanos} has passed (then the batch
 * fails); nothing here blocks a thread.
 */
final class KeyWriter {

    /** Most writes in one transaction (they cost one put together). */
    static final int MAX_BATCH = 4096;
    /** Most operations writes may add to one transaction: with the two puts, below etcd's default limit of 128. */
    static final int MAX_EXTRA_OPS = 120;

    /** What one write makes of the key's value; {@code after == current} means unchanged. */
    record Outcome<R>(byte[] after, R reply, List<Op> alsoThen) {
        Outcome(byte[] after, R reply) {
            this(after, reply, List.of());
        }
    }

    /** One write: computes its outcome from the current value ({@code null}: missing); may run more than once. */
    @FunctionalInterface
    interface Change<R> {
        Outcome<R> apply(byte[] current) throws ProtocolViolation;
    }

    private static final class Pending<R> {
        final Change<R> change;
        final int extraOps;
        final CompletableFuture<R> result = new CompletableFuture<>();
        Outcome<R> outcome;
        ProtocolViolation refused;

        Pending(Change<R> change, int extraOps) {
            this.change = change;
            this.extraOps = extraOps;
        }

        void settle() {
            if (refused != null) {
                result.completeExceptionally(refused);
            } else {
                result.complete(outcome.reply());
            }
        }
    }

    /** The writes of one key: queued, and the cached value they are computed from. */
    private static final class KeyState {
        final ByteSequence key;
        final ArrayDeque<Pending<?>> queued = new ArrayDeque<>();
        boolean known;
        byte[] value;
        long modRevision;

        KeyState(ByteSequence key) {
            this.key = key;
        }

        void seen(List<KeyValue> kvs) {
            known = true;
            value = kvs.isEmpty() ? null : kvs.get(0).getValue().getBytes();
            modRevision = kvs.isEmpty() ? 0 : kvs.get(0).getModRevision();
        }
    }

    private final KV kv;
    private final GatewayKeys keys;
    private final UnaryOperator<CompletableFuture<?>> bounded;
    private final long timeoutNanos;
    /** Tells this gateway's writes apart from any other's: its id and a sequence number per transaction. */
    private final String writerId = java.util.UUID.randomUUID().toString();
    private final java.util.concurrent.atomic.AtomicLong transactions = new java.util.concurrent.atomic.AtomicLong();
    /** Keys with writes queued or in flight; guarded by itself. */
    private final Map<ByteSequence, KeyState> active = new HashMap<>();

    /**
     * @param bounded puts the request timeout on an etcd call's future
     * @param timeoutNanos how long one batch may keep retrying before its writes fail
     */
    KeyWriter(KV kv, GatewayKeys keys, UnaryOperator<CompletableFuture<?>> bounded, long timeoutNanos) {
        this.kv = kv;
        this.keys = keys;
        this.bounded = bounded;
        this.timeoutNanos = timeoutNanos;
    }

    /** @return the write's reply once it is in etcd; a {@link ProtocolViolation} if the change refused it */
    <R> CompletableFuture<R> write(ByteSequence key, Change<R> change) {
        return write(key, change, 0);
    }

    /** @param extraOps how many operations the change adds to the transaction ({@link Outcome#alsoThen}) */
    <R> CompletableFuture<R> write(ByteSequence key, Change<R> change, int extraOps) {
        Pending<R> pending = new Pending<>(change, extraOps);
        KeyState state;
        boolean start;
        synchronized (active) {
            state = active.get(key);
            start = state == null;
            if (start) {
                state = new KeyState(key);
                active.put(key, state);
            }
            state.queued.add(pending);
        }
        if (start) {
            nextBatch(state);
        }
        return pending.result;
    }

    /** Runs the queued writes of the key, or forgets the key when none are left. */
    private void nextBatch(KeyState state) {
        List<Pending<?>> batch = new ArrayList<>();
        synchronized (active) {
            int extraOps = 0;
            while (batch.size() < MAX_BATCH && !state.queued.isEmpty()
                    && (batch.isEmpty() || extraOps + state.queued.peek().extraOps <= MAX_EXTRA_OPS)) {
                extraOps += state.queued.peek().extraOps;
                batch.add(state.queued.poll());
            }
            if (batch.isEmpty()) {
                active.remove(state.key);
                return;
            }
        }
        attempt(state, batch, System.nanoTime() + timeoutNanos, 1);
    }

    private void attempt(KeyState state, List<Pending<?>> batch, long deadline, int attempt) {
        if (!state.known) {
            EtcdRetry.idempotent(() -> call(kv.get(state.key)), deadline).whenComplete((read, error) -> {
                if (error != null) {
                    fail(state, batch, error);
                } else {
                    state.seen(read.getKvs());
                    attempt(state, batch, deadline, attempt);
                }
            });
            return;
        }
        byte[] value = state.value;
        List<Op> then = new ArrayList<>();
        for (Pending<?> pending : batch) {
            value = apply(pending, value, then);
        }
        boolean changed = value != state.value;
        ByteSequence token = ByteSequence.from(writerId + ":" + transactions.incrementAndGet(),
                java.nio.charset.StandardCharsets.UTF_8);
        if (changed) {
            then.add(0, Op.put(state.key, ByteSequence.from(value), PutOption.DEFAULT));
            then.add(1, Op.put(keys.lastWriter(state.key), token, PutOption.DEFAULT));
        }
        byte[] after = value;
        Cmp unchanged = new Cmp(state.key, Cmp.Op.EQUAL, CmpTarget.modRevision(state.modRevision));
        call(kv.txn().If(unchanged).Then(then.toArray(Op[]::new)).Else(Op.get(state.key, GetOption.DEFAULT))
                .commit()).whenComplete((TxnResponse txn, Throwable error) -> {
                    if (error != null) {
                        if (!EtcdRetry.isTransient(error) || System.nanoTime() - deadline > 0) {
                            fail(state, batch, error);
                        } else if (changed) {
                            resolve(state, batch, deadline, attempt, after, token);
                        } else {
                            EtcdRetry.later(20).execute(() -> attempt(state, batch, deadline, attempt + 1));
                        }
                    } else if (txn.isSucceeded()) {
                        succeeded(state, batch, changed, after, txn.getHeader().getRevision());
                    } else {
                        // Another gateway wrote the key: compute again from what it wrote.
                        state.seen(txn.getGetResponses().get(0).getKvs());
                        retryOrFail(state, batch, deadline, attempt);
                    }
                });
    }

    /**
     * The answer to a write was lost (e.g. the etcd leader changed): whether it went through shows in the token it
     * left. If it did, its replies stand; if not, it is computed again from what etcd holds.
     */
    private void resolve(KeyState state, List<Pending<?>> batch, long deadline, int attempt, byte[] after,
            ByteSequence token) {
        EtcdRetry.idempotent(() -> call(kv.txn().Then(Op.get(state.key, GetOption.DEFAULT),
                Op.get(keys.lastWriter(state.key), GetOption.DEFAULT)).commit()), deadline)
                .whenComplete((read, error) -> {
                    if (error != null) {
                        fail(state, batch, error);
                        return;
                    }
                    List<KeyValue> current = read.getGetResponses().get(0).getKvs();
                    List<KeyValue> writer = read.getGetResponses().get(1).getKvs();
                    if (!writer.isEmpty() && writer.get(0).getValue().equals(token) && !current.isEmpty()) {
                        succeeded(state, batch, true, after, current.get(0).getModRevision());
                    } else {
                        state.seen(current);
                        retryOrFail(state, batch, deadline, attempt);
                    }
                });
    }

    private void succeeded(KeyState state, List<Pending<?>> batch, boolean changed, byte[] after, long revision) {
        if (changed) {
            state.value = after;
            state.modRevision = revision;
        }
        batch.forEach(Pending::settle);
        nextBatch(state);
    }

    private void retryOrFail(KeyState state, List<Pending<?>> batch, long deadline, int attempt) {
        if (System.nanoTime() - deadline > 0) {
            fail(state, batch, new java.util.concurrent.TimeoutException("a write of "
                    + state.key.toString(java.nio.charset.StandardCharsets.ISO_8859_1)
                    + " lost to other gateways' writes " + attempt + " times within "
                    + java.time.Duration.ofNanos(timeoutNanos)));
        } else {
            attempt(state, batch, deadline, attempt + 1);
        }
    }

    private static <R> byte[] apply(Pending<R> pending, byte[] current, List<Op> then) {
        pending.refused = null;
        try {
            pending.outcome = pending.change.apply(current);
        } catch (ProtocolViolation refused) {
            pending.refused = refused;
            return current;
        }
        then.addAll(pending.outcome.alsoThen());
        return pending.outcome.after();
    }

    private void fail(KeyState state, List<Pending<?>> batch, Throwable error) {
        state.known = false; // what etcd holds now is unknown
        for (Pending<?> pending : batch) {
            pending.result.completeExceptionally(error);
        }
        nextBatch(state);
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> call(CompletableFuture<T> future) {
        return (CompletableFuture<T>) bounded.apply(future);
    }
}
