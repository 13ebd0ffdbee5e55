package dev.kvstore.etcd.access;

import dev.kvstore.internal.Printable;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-modify-writes of single etcd keys (the backend's add, compareAndSet and delete; a gateway's ADD, COMPARE_SET,
 * APPEND, DELETE_KEY and a queue's sequence counter), atomic across processes: an etcd transaction that writes only
 * if the key's mod revision is still the one the new value was computed from, and otherwise reads the key, so that
 * the retry needs no extra round trip. A key not written lately is first guessed to be missing.
 *
 * <p>Within one writer the writes of a key are queued and applied in batches: everything queued while a transaction
 * is in flight goes into the next one, so 2048 ranks adding to one counter cost a few transactions per gateway, and
 * only other writers can make one fail. The last value and revision seen stay cached while writes keep coming, so
 * a write usually costs one round trip. Nothing here blocks a thread.
 *
 * <p><b>Lost answers.</b> A transaction whose answer is lost (the etcd leader changed, the connection broke) may
 * still commit later, so it is never simply sent again. Each transaction also writes a token to this writer's own
 * token key {@code T} and requires {@code T}'s mod revision to be the one last seen; after a lost answer one fencing
 * transaction either finds the token (the write went through: its replies stand) or bumps {@code T} (the lost
 * transaction can never commit now: it is computed again from what etcd holds). When even that cannot be settled
 * within the request timeout, the writes fail, with a WARN, and whether they landed is unknown (a gateway closes the
 * client's connection; the backend throws). The token key is deleted once the key has had no write for
 * {@link #IDLE_MILLIS}, and every token of the writer when it closes.
 */
public final class FencedWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FencedWriter.class);

    /** Most writes in one transaction (they cost one put together). */
    static final int MAX_BATCH = 4096;
    /** Most operations writes may add to one transaction: with the key's and the token's, below etcd's 128. */
    static final int MAX_EXTRA_OPS = 120;
    /** How long a key's cached value and token outlive its last write. */
    static final long IDLE_MILLIS = 2000;

    /**
     * What one write makes of the key.
     *
     * @param after the new value; {@code null} with {@code delete} false leaves the key as it is
     */
    public record Outcome<R>(byte @Nullable [] after, boolean delete, R reply, List<Op> alsoThen) {
        public static <R> Outcome<R> set(byte[] after, R reply) {
            return new Outcome<>(after, false, reply, List.of());
        }

        public static <R> Outcome<R> unchanged(R reply) {
            return new Outcome<>(null, false, reply, List.of());
        }

        public static <R> Outcome<R> deleted(R reply) {
            return new Outcome<>(null, true, reply, List.of());
        }
    }

    /**
     * One write: computes its outcome from the current value ({@code null}: missing); may run more than once. What it
     * throws fails that write alone.
     */
    @FunctionalInterface
    public interface Change<R> {
        Outcome<R> apply(byte @Nullable [] current);
    }

    /** Where a writer keeps its token keys: each writer its own, one per key it writes. */
    public interface TokenKeys {
        /** @return the token key of the writer {@code writerId} for its writes of {@code key} */
        ByteSequence token(String writerId, ByteSequence key);

        /** @return the prefix of every token key of the writer {@code writerId} */
        ByteSequence all(String writerId);
    }

    private static final class Pending<R> {
        final Change<R> change;
        final int extraOps;
        final CompletableFuture<R> result = new CompletableFuture<>();
        @Nullable Outcome<R> outcome;
        @Nullable RuntimeException refused;

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

    /** The writes of one key: queued, and the cached state of the key and of this writer's token key. */
    private static final class KeyState {
        final ByteSequence key;
        final ByteSequence tokenKey;
        final ArrayDeque<Pending<?>> queued = new ArrayDeque<>();
        boolean running;
        /** Bumped by every batch: an idle expiry that finds another value knows the key was written meanwhile. */
        long batches;
        boolean known;
        byte @Nullable [] value;
        long modRevision;
        long tokenRevision;
        /** The token this writer last left in {@link #tokenKey}, or {@code null}. */
        @Nullable ByteSequence lastToken;

        KeyState(ByteSequence key, ByteSequence tokenKey) {
            this.key = key;
            this.tokenKey = tokenKey;
        }

        void seen(List<KeyValue> keyKvs, List<KeyValue> tokenKvs) {
            known = true;
            value = keyKvs.isEmpty() ? null : keyKvs.get(0).getValue().getBytes();
            modRevision = keyKvs.isEmpty() ? 0 : keyKvs.get(0).getModRevision();
            tokenRevision = tokenKvs.isEmpty() ? 0 : tokenKvs.get(0).getModRevision();
        }
    }

    private final EtcdAccess access;
    private final TokenKeys keys;
    private final long timeoutNanos;
    /** Tells this writer's tokens apart from any other's. */
    private final String writerId = UUID.randomUUID().toString();
    private final AtomicLong tokens = new AtomicLong();
    /** Keys with writes queued, in flight, or written within {@link #IDLE_MILLIS}; guarded by itself. */
    private final Map<ByteSequence, KeyState> active = new HashMap<>();

    /** Writes through {@code access}; a batch may keep retrying for its request timeout before its writes fail. */
    FencedWriter(EtcdAccess access, TokenKeys keys) {
        this.access = access;
        this.keys = keys;
        this.timeoutNanos = access.requestTimeout().toNanos();
    }

    /** @return the write's reply once it is in etcd; what the change threw if it refused */
    public <R> CompletableFuture<R> write(ByteSequence key, Change<R> change) {
        return write(key, change, 0);
    }

    /** @param extraOps how many operations the change adds to the transaction ({@link Outcome#alsoThen}) */
    public <R> CompletableFuture<R> write(ByteSequence key, Change<R> change, int extraOps) {
        Pending<R> pending = new Pending<>(change, extraOps);
        KeyState state;
        boolean start;
        synchronized (active) {
            state = active.computeIfAbsent(key, k -> new KeyState(k, keys.token(writerId, k)));
            state.queued.add(pending);
            start = !state.running;
            state.running = true;
        }
        if (start) {
            nextBatch(state);
        }
        return pending.result;
    }

    /** Runs the queued writes of the key; when none are left, keeps its state for {@link #IDLE_MILLIS}. */
    private void nextBatch(KeyState state) {
        List<Pending<?>> batch = new ArrayList<>();
        long idleBatch;
        synchronized (active) {
            int extraOps = 0;
            while (batch.size() < MAX_BATCH && !state.queued.isEmpty()
                    && (batch.isEmpty() || extraOps + state.queued.peek().extraOps <= MAX_EXTRA_OPS)) {
                extraOps += state.queued.peek().extraOps;
                batch.add(state.queued.poll());
            }
            if (batch.isEmpty()) {
                state.running = false;
                idleBatch = state.batches;
            } else {
                state.batches++;
                idleBatch = -1;
            }
        }
        if (idleBatch >= 0) {
            EtcdAccess.later(IDLE_MILLIS).execute(() -> expire(state, idleBatch));
            return;
        }
        attempt(state, batch, System.nanoTime() + timeoutNanos, 1);
    }

    /** No write since the batch {@code idleBatch}: forgets the key and deletes this writer's token of it. */
    private void expire(KeyState state, long idleBatch) {
        ByteSequence token;
        synchronized (active) {
            if (state.running || state.batches != idleBatch || active.get(state.key) != state) {
                return;
            }
            active.remove(state.key);
            token = state.lastToken;
        }
        if (token != null) {
            Cmp ours = new Cmp(state.tokenKey, Cmp.Op.EQUAL, CmpTarget.value(token));
            access.call(() -> access.kv().txn().If(ours).Then(Op.delete(state.tokenKey, DeleteOption.DEFAULT)).commit())
                    .whenComplete((done, error) -> {
                        if (error != null) {
                            log.debug("deleting the token {} failed: {}", state.tokenKey, error.toString());
                        }
                    });
        }
    }

    private void attempt(KeyState state, List<Pending<?>> batch, long deadline, int attempt) {
        if (!state.known) {
            // Guess a key nobody wrote and no token of this writer: right for a new key, and when wrong the
            // transaction fails and its Else reads both, which costs no more than reading them first.
            state.known = true;
            state.value = null;
            state.modRevision = 0;
            state.tokenRevision = 0;
        }
        byte[] value = state.value;
        boolean changed = false;
        List<Op> then = new ArrayList<>();
        for (Pending<?> pending : batch) {
            Outcome<?> outcome = apply(pending, value);
            if (outcome != null && (outcome.after() != null || outcome.delete())) {
                changed = true;
                value = outcome.delete() ? null : outcome.after();
                then.addAll(outcome.alsoThen());
            }
        }
        ByteSequence token = ByteSequence.from(writerId + ":" + tokens.incrementAndGet(), StandardCharsets.UTF_8);
        if (changed) {
            then.add(0, value == null ? Op.delete(state.key, DeleteOption.DEFAULT)
                    : Op.put(state.key, ByteSequence.from(value), PutOption.DEFAULT));
            then.add(1, Op.put(state.tokenKey, token, PutOption.DEFAULT));
        }
        byte[] after = value;
        boolean writes = changed;
        Cmp keyUnchanged = new Cmp(state.key, Cmp.Op.EQUAL, CmpTarget.modRevision(state.modRevision));
        Cmp tokenUnchanged = new Cmp(state.tokenKey, Cmp.Op.EQUAL, CmpTarget.modRevision(state.tokenRevision));
        access.call(() -> access.kv().txn().If(keyUnchanged, tokenUnchanged).Then(then.toArray(Op[]::new))
                .Else(Op.get(state.key, GetOption.DEFAULT), Op.get(state.tokenKey, GetOption.DEFAULT)).commit())
                .whenComplete((TxnResponse txn, Throwable error) -> {
                    if (error != null) {
                        if (writes) {
                            settleLostAnswer(state, batch, deadline, attempt, token, error);
                        } else if (!EtcdAccess.isTransient(error) || System.nanoTime() - deadline > 0) {
                            fail(state, batch, error);
                        } else {
                            EtcdAccess.later(20).execute(() -> attempt(state, batch, deadline, attempt + 1));
                        }
                    } else if (txn.isSucceeded()) {
                        if (writes) {
                            long revision = txn.getHeader().getRevision();
                            state.value = after;
                            state.modRevision = after == null ? 0 : revision;
                            state.tokenRevision = revision;
                            state.lastToken = token;
                        }
                        batch.forEach(Pending::settle);
                        nextBatch(state);
                    } else if (writes && holds(txn, token)) {
                        // This very transaction committed before (a retry below this class, e.g. in gRPC, sent it
                        // twice): its replies stand.
                        seen(state, txn);
                        state.lastToken = token;
                        batch.forEach(Pending::settle);
                        nextBatch(state);
                    } else {
                        // Another writer wrote the key (or the token moved): compute again from what etcd holds.
                        seen(state, txn);
                        retryOrFail(state, batch, deadline, attempt);
                    }
                });
    }

    /**
     * The answer to a write was lost: one fencing transaction tells whether it went through (its token is there) or
     * makes sure it never will (it moves the token key, which the write requires unmoved), and reads the key.
     */
    private void settleLostAnswer(KeyState state, List<Pending<?>> batch, long deadline, int attempt,
            ByteSequence token, Throwable lost) {
        Cmp landed = new Cmp(state.tokenKey, Cmp.Op.EQUAL, CmpTarget.value(token));
        ByteSequence fence = ByteSequence.from(writerId + ":fence:" + tokens.incrementAndGet(),
                StandardCharsets.UTF_8);
        Op[] read = {Op.get(state.key, GetOption.DEFAULT), Op.get(state.tokenKey, GetOption.DEFAULT)};
        access.repeatable(() -> access.kv().txn().If(landed).Then(read)
                .Else(Op.put(state.tokenKey, fence, PutOption.DEFAULT), read[0], read[1]).commit(), deadline)
                .whenComplete((txn, error) -> {
                    if (error != null) {
                        log.warn("etcd: the answer to a write of {} was lost ({}) and whether it went through could "
                                + "not be settled within the request timeout of {} ({}); its {} write(s) fail, as a "
                                + "blind retry could apply them twice", display(state.key), lost.toString(),
                                Duration.ofNanos(timeoutNanos),
                                error.toString(), batch.size());
                        fail(state, batch, new TimeoutException("the answer to a write of " + display(state.key)
                                + " was lost and whether it went through is unknown (" + lost + ")"));
                    } else if (txn.isSucceeded()) {
                        seen(state, txn);
                        state.lastToken = token;
                        batch.forEach(Pending::settle);
                        nextBatch(state);
                    } else {
                        log.debug("the lost write of {} did not go through; computing it again", display(state.key));
                        seen(state, txn);
                        state.lastToken = fence;
                        retryOrFail(state, batch, deadline, attempt);
                    }
                });
    }

    /** @return whether the token key read by the transaction holds {@code token} */
    private static boolean holds(TxnResponse read, ByteSequence token) {
        List<KeyValue> tokenNow = read.getGetResponses().get(1).getKvs();
        return !tokenNow.isEmpty() && tokenNow.get(0).getValue().equals(token);
    }

    private static void seen(KeyState state, TxnResponse read) {
        state.seen(read.getGetResponses().get(0).getKvs(), read.getGetResponses().get(1).getKvs());
    }

    private void retryOrFail(KeyState state, List<Pending<?>> batch, long deadline, int attempt) {
        if (System.nanoTime() - deadline > 0) {
            fail(state, batch, new TimeoutException("a write of " + display(state.key)
                    + " lost to other writers' writes " + attempt + " times within "
                    + Duration.ofNanos(timeoutNanos)));
        } else {
            attempt(state, batch, deadline, attempt + 1);
        }
    }

    private static <R> @Nullable Outcome<R> apply(Pending<R> pending, byte @Nullable [] current) {
        pending.refused = null;
        try {
            pending.outcome = pending.change.apply(current);
            return pending.outcome;
        } catch (RuntimeException refused) {
            pending.refused = refused;
            return null;
        }
    }

    private void fail(KeyState state, List<Pending<?>> batch, Throwable error) {
        state.known = false; // what etcd holds now is unknown
        for (Pending<?> pending : batch) {
            pending.result.completeExceptionally(error);
        }
        nextBatch(state);
    }

    private static String display(ByteSequence key) {
        return "'" + Printable.of(key.getBytes(), 200) + "'";
    }

    /** Deletes this writer's tokens (waits at most {@code timeout}); writes still under way may leave theirs. */
    void deleteTokens(Duration timeout) {
        ByteSequence mine = keys.all(writerId);
        try {
            access.kv().delete(mine, DeleteOption.builder().isPrefix(true).build()).get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("deleting the tokens of writer {} failed: {}", writerId, e.toString());
        }
    }

    /** Deletes this writer's token keys (waits at most a second). */
    @Override
    public void close() {
        deleteTokens(Duration.ofSeconds(1));
    }
}
