package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.NaturalOrder;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.etcd.access.RevisionWatch;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.WatchListenerCall;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KVWatch} on etcd: read the prefix (a reset), then a {@link RevisionWatch} from the read's revision + 1,
 * which resumes by itself from the last delivered revision + 1 when it breaks, so that nothing is missed or repeated.
 * When that history is compacted, or the listener is so slow that the bounded queue between jetcd's threads and the
 * subscription's thread overflows, it reads again and delivers a reset naming the reason.
 */
final class EtcdPrefixWatch implements KVWatch {

    /** Batches of watch events queued for the listener at most; past it the subscription re-reads instead. */
    static final int DEFAULT_QUEUE_CAPACITY = 1024;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(25);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(EtcdPrefixWatch.class);

    private final KV kv;
    private final EtcdAccess access;
    private final KeyLayout layout;
    private final String prefix;
    private final String fullPrefix;
    private final Listener listener;
    private final int capacity;
    private final LongConsumer beforeWatch;
    private final Runnable onClosed;
    private final Thread thread;
    private volatile boolean closed;
    private volatile @Nullable RevisionWatch watch;

    EtcdPrefixWatch(KV kv, EtcdAccess access, KeyLayout layout, String prefix, Listener listener,
            int capacity, LongConsumer beforeWatch, Runnable onClosed) {
        this.kv = kv;
        this.access = access;
        this.layout = layout;
        this.prefix = prefix;
        this.fullPrefix = layout.componentPrefix() + prefix;
        this.listener = listener;
        this.capacity = capacity;
        this.beforeWatch = beforeWatch;
        this.onClosed = onClosed;
        this.thread = new Thread(this::run, "kvstore-watch-" + fullPrefix);
        this.thread.setDaemon(true);
    }

    EtcdPrefixWatch start() {
        thread.start();
        return this;
    }

    @Override
    public String prefix() {
        return prefix;
    }


    /** @return the full key prefix watched, {@code {namespace}/{component}/{prefix}} */
    String fullPrefix() {
        return fullPrefix;
    }

    @Override
    public void close() {
        closed = true;
        onClosed.run();
        RevisionWatch current = watch;
        if (current != null) {
            current.close();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Events from the watch, or the reason it missed some ({@code events} is then empty). */
    private record Signal(List<WatchEvent> events, @Nullable String missed) {
    }

    private void run() {
        String resetReason = "initial state";
        long revision = 0;
        Backoff backoff = new Backoff(MIN_BACKOFF, MAX_BACKOFF);
        while (!closed) {
            try {
                if (resetReason != null) {
                    revision = readAndReset(resetReason);
                    resetReason = null;
                }
                beforeWatch.accept(revision + 1);
                WatchResult result = watchFrom(revision);
                revision = result.revision;
                resetReason = result.resetReason;
                if (result.delivered) {
                    backoff.reset();
                }
            } catch (KVStoreException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                log.debug("Watch of '{}': {}; trying again", fullPrefix, e.getMessage());
            }
            if (!closed) {
                // Not interruptible: close() ends the loop by the flag, and an interrupt must not make it spin.
                LockSupport.parkNanos(backoff.nextNanos());
            }
        }
    }

    private long readAndReset(String reason) {
        GetResponse response = access.await("read for the watch of '" + fullPrefix + "'",
                () -> kv.get(bytes(fullPrefix), GetOption.builder().isPrefix(true).build()));
        Map<String, byte[]> state = new TreeMap<>(NaturalOrder.INSTANCE);
        for (KeyValue keyValue : response.getKvs()) {
            state.put(relative(keyValue), keyValue.getValue().getBytes());
        }
        long revision = response.getHeader().getRevision();
        if (!reason.equals("initial state")) {
            log.warn("Watch of '{}' re-read {} keys at revision {}: {}", fullPrefix, state.size(), revision, reason);
        }
        deliver(() -> listener.onReset(Collections.unmodifiableMap(state), revision, reason));
        return revision;
    }

    /** What one watch stream ended with. */
    private record WatchResult(long revision, @Nullable String resetReason, boolean delivered) {
    }

    private WatchResult watchFrom(long revision) {
        BlockingQueue<Signal> signals = new ArrayBlockingQueue<>(capacity);
        AtomicBoolean overflowed = new AtomicBoolean();
        RevisionWatch started = access.watch(bytes(fullPrefix), true, false, "the watch of '" + fullPrefix + "'",
                new RevisionWatch.Listener() {
                    @Override
                    public void onEvents(List<WatchEvent> events) {
                        if (!signals.offer(new Signal(events, null))) {
                            overflowed.set(true);
                        }
                    }

                    @Override
                    public void onGap(String reason) {
                        if (!signals.offer(new Signal(List.of(), reason))) {
                            overflowed.set(true);
                        }
                    }

                    @Override
                    public void onDown(String reason) {
                        // nothing is missed: the watch resumes from the last delivered revision by itself
                    }
                });
        watch = started;
        if (closed) {
            started.close();
            return new WatchResult(revision, null, false);
        }
        boolean delivered = false;
        try {
            try {
                started.startAfter(revision);
            } catch (RuntimeException e) {
                throw access.translate("the watch of '" + fullPrefix + "'", e);
            }
            while (!closed) {
                if (overflowed.get()) {
                    return new WatchResult(revision, "the listener fell behind: more than " + capacity
                            + " watch responses were queued", delivered);
                }
                Signal signal = signals.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
                if (signal == null) {
                    continue;
                }
                if (signal.missed != null) {
                    return new WatchResult(revision, signal.missed, delivered);
                }
                List<Change> changes = new ArrayList<>(signal.events.size());
                for (WatchEvent event : signal.events) {
                    KeyValue keyValue = event.getKeyValue();
                    boolean put = event.getEventType() == WatchEvent.EventType.PUT;
                    changes.add(new Change(put ? ChangeType.PUT : ChangeType.DELETE, relative(keyValue),
                            put ? keyValue.getValue().getBytes() : new byte[0], keyValue.getModRevision()));
                }
                if (!changes.isEmpty()) {
                    revision = changes.get(changes.size() - 1).revision();
                    delivered = true;
                    deliver(() -> listener.onChanges(List.copyOf(changes)));
                }
            }
            return new WatchResult(revision, null, delivered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return new WatchResult(revision, null, delivered);
        } finally {
            started.close();
        }
    }

    private void deliver(Runnable call) {
        if (!closed) {
            WatchListenerCall.run(call, log, fullPrefix);
        }
    }

    private String relative(KeyValue keyValue) {
        return keyValue.getKey().toString(StandardCharsets.UTF_8).substring(layout.componentPrefix().length());
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "watch of '" + fullPrefix + "'" + (closed ? " (closed)" : "");
    }
}
