package dev.kvstore.etcd;

import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.etcd.access.RevisionWatch;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.ProgressLog;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a wait: read the watched range, then watch it from the read's revision + 1 (a {@link RevisionWatch}), so that
 * no change between read and watch is missed. When the watch goes down or its revision was compacted, the wait closes
 * it, reads again and watches again from the new read, within the same deadline. Every {@link #RESYNC_INTERVAL} it also
 * re-reads while the watch stays open, in case a watch silently stopped delivering (e.g. after a leader loss).
 *
 * <p>The watch's listener runs on jetcd's threads: it only queues what it got; the waiting thread does all the work.
 */
final class EtcdWaiter {

    static final Duration RESYNC_INTERVAL = Duration.ofSeconds(10);
    static final Duration PROGRESS_LOG_INTERVAL = Duration.ofSeconds(30);
    /**
     * What a wait's first read gets at least (capped by the request timeout), even if the wait's timeout is shorter:
     * a zero or tiny timeout still checks the current state once. Longer waits bound their first read by their own
     * timeout, so that an unreachable cluster cannot stretch a wait to the request timeout.
     */
    static final Duration MIN_FIRST_READ = Duration.ofSeconds(1);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(25);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(EtcdWaiter.class);

    private final KV kv;
    private final EtcdAccess access;
    private final BooleanSupplier closed;
    private volatile WaitHooks hooks = WaitHooks.NONE;

    EtcdWaiter(KV kv, EtcdAccess access, BooleanSupplier closed) {
        this.kv = kv;
        this.access = access;
        this.closed = closed;
    }

    void hooks(WaitHooks hooks) {
        this.hooks = hooks;
    }

    /**
     * Waits until the condition holds on the key (or the prefix).
     *
     * @param what the wait, for logs, e.g. {@code "waitForKey 'ns/c/k'"}
     * @throws KVStoreTimeoutException from the condition when the timeout passes
     */
    <T> T await(String what, ByteSequence key, boolean prefix, WaitCondition<T> condition, Duration timeout) {
        Run<T> run = new Run<>(what, key, prefix, condition, timeout);
        return run.await();
    }

    /** A signal from the watch listener to the waiting thread. */
    private sealed interface Signal permits Events, Created, Broken {
    }

    private record Events(List<WatchEvent> events) implements Signal {
    }

    private record Created(long fromRevision) implements Signal {
    }

    /** The watch went down or missed changes (compaction). */
    private record Broken(String reason) implements Signal {
    }

    /** The state of one wait; used by one thread. */
    private final class Run<T> {

        private final String what;
        private final ByteSequence key;
        private final boolean prefix;
        private final WaitCondition<T> condition;
        private final Duration timeout;
        private final long start = System.nanoTime();
        private final Deadline deadline;
        private final ProgressLog progress;
        private final Backoff backoff = new Backoff(MIN_BACKOFF, MAX_BACKOFF);
        private @Nullable Throwable lastFailure;
        private @Nullable String lastFailureMessage;
        /** Whether the last read or watch failed and nothing has succeeded since; then how many attempts failed. */
        private boolean failing;
        private int failedAttempts;
        /** When etcd last answered this wait (a read or watch events); {@code answered} is false until it did. */
        private boolean answered;
        private long lastAnswer;
        /** The revision the condition's state is known at; events at or before it are already in the state. */
        private long stateRevision;

        Run(String what, ByteSequence key, boolean prefix, WaitCondition<T> condition, Duration timeout) {
            this.what = what;
            this.key = key;
            this.prefix = prefix;
            this.condition = condition;
            this.timeout = timeout;
            this.deadline = Deadline.after(timeout);
            this.progress = new ProgressLog(log, PROGRESS_LOG_INTERVAL, what, timeout, condition::missing);
        }

        T await() {
            boolean firstRead = true;
            while (true) {
                read(firstRead);
                firstRead = false;
                T result = condition.result();
                if (result != null) {
                    return result;
                }
                if (deadline.hasPassed()) {
                    throw timedOut();
                }
                hooks.beforeWatch(stateRevision);
                result = watchFromState();
                if (result != null) {
                    return result;
                }
                pauseAfterFailure();
            }
        }

        /**
         * Reads the range into the condition, retrying failed reads until the deadline.
         *
         * @param first whether this is the wait's first read, which is made even if the timeout is zero (so that a
         *     zero timeout checks the current state once)
         */
        private void read(boolean first) {
            GetOption option = prefix ? GetOption.builder().isPrefix(true).build() : GetOption.DEFAULT;
            long requestTimeout = Deadline.cappedNanos(access.requestTimeout());
            long minFirstRead = Math.min(requestTimeout, MIN_FIRST_READ.toNanos());
            while (true) {
                checkOpen();
                long left = deadline.nanosLeft();
                if (left <= 0 && !first) {
                    throw timedOut();
                }
                long bound = Math.min(requestTimeout, first ? Math.max(left, minFirstRead) : left);
                try {
                    GetResponse response = access.await("read for " + what, () -> kv.get(key, option),
                            Duration.ofNanos(bound));
                    condition.reset(response.getKvs());
                    stateRevision = response.getHeader().getRevision();
                    noteAnswer();
                    return;
                } catch (KVStoreConnectionException | KVStoreTimeoutException e) {
                    checkOpen();
                    if (EtcdAccess.isAuthenticationFailure(e)) {
                        throw e; // wrong credentials do not heal by waiting
                    }
                    noteFailure("read failed", e);
                    pauseAfterFailure();
                    first = false;
                }
            }
        }

        /**
         * Watches from the state's revision + 1 until the condition holds, the deadline passes, or the watch breaks.
         *
         * @return the result, or {@code null} if the watch broke and the wait must read and watch again
         */
        private @Nullable T watchFromState() {
            BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
            RevisionWatch watch = access.watch(key, prefix, false, what, new RevisionWatch.Listener() {
                @Override
                public void onEvents(List<WatchEvent> events) {
                    signals.add(new Events(events));
                }

                @Override
                public void onGap(String reason) {
                    signals.add(new Broken(reason));
                }

                @Override
                public void onDown(String reason) {
                    signals.add(new Broken(reason));
                }

                @Override
                public void onCreated(long fromRevision) {
                    signals.add(new Created(fromRevision));
                }
            });
            try {
                watch.startAfter(stateRevision);
            } catch (RuntimeException e) {
                checkOpen();
                throw access.translate("watch for " + what, e);
            }
            long nextResync = System.nanoTime() + RESYNC_INTERVAL.toNanos();
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (deadline.hasPassed()) {
                        throw timedOut();
                    }
                    progress.logIfDue();
                    if (now - nextResync >= 0) {
                        read(false);
                        nextResync = System.nanoTime() + RESYNC_INTERVAL.toNanos();
                        T result = condition.result();
                        if (result != null) {
                            return result;
                        }
                        continue;
                    }
                    long wake = Math.min(Math.min(deadline.nanosLeft(), nextResync - now), progress.nanosToNextLog());
                    Signal signal = signals.poll(Math.max(wake, 1), TimeUnit.NANOSECONDS);
                    if (signal instanceof Created created) {
                        noteAnswer();
                        hooks.watchCreated(created.fromRevision());
                    } else if (signal instanceof Events events) {
                        noteAnswer();
                        apply(events.events());
                        backoff.reset();
                        if (signals.peek() instanceof Events) {
                            continue; // judge the state after everything that has arrived
                        }
                        T result = condition.result();
                        if (result != null) {
                            return result;
                        }
                    } else if (signal instanceof Broken broken) {
                        checkOpen();
                        noteFailure(broken.reason(), null);
                        return null;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreException(what + " was interrupted", e);
            } finally {
                watch.close();
            }
        }

        private void apply(List<WatchEvent> events) {
            for (WatchEvent event : events) {
                KeyValue kv = event.getKeyValue();
                if (kv.getModRevision() <= stateRevision) {
                    continue; // already part of a newer read
                }
                switch (event.getEventType()) {
                    case PUT -> condition.put(kv);
                    case DELETE -> condition.delete(kv);
                    default -> { }
                }
            }
        }

        private void noteFailure(String message, @Nullable Throwable failure) {
            lastFailure = failure;
            lastFailureMessage = failure == null ? message : message + ": " + failure.getMessage();
            failedAttempts = failing ? failedAttempts + 1 : 1;
            failing = true;
            hooks.failed(message);
            log.debug("{}: {}; reading again and watching again", what, message);
        }

        private void noteAnswer() {
            failing = false;
            answered = true;
            lastAnswer = System.nanoTime();
        }

        private void pauseAfterFailure() {
            try {
                backoff.sleep(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreException(what + " was interrupted", e);
            }
        }

        /**
         * The condition's timeout, naming what is missing; if etcd was failing when the deadline passed, the message
         * also says since when it did not answer (or that it never did during this wait), how many attempts failed,
         * the endpoints and the last error, since the missing state may just not have been readable.
         */
        private KVStoreTimeoutException timedOut() {
            KVStoreTimeoutException e = condition.timeout(timeout);
            if (failing) {
                long now = System.nanoTime();
                String silence = answered
                        ? "did not answer for the last " + millis(now - lastAnswer) + " of the wait"
                        : "never answered during the wait (" + millis(now - start) + ")";
                e = new KVStoreTimeoutException(e.getMessage() + "; etcd at " + access.endpoints() + " " + silence
                        + ", " + failedAttempts + " failed attempt" + (failedAttempts == 1 ? "" : "s")
                        + "; last error: " + lastFailureMessage, lastFailure);
            } else if (lastFailure != null) {
                e.addSuppressed(lastFailure);
            }
            return e;
        }

        private static Duration millis(long nanos) {
            return Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(nanos));
        }

        private void checkOpen() {
            if (closed.getAsBoolean()) {
                throw new KVStoreException(what + " ended: the store was closed");
            }
        }
    }
}
