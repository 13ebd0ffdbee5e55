package dev.kvstore.tcp.gateway;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one etcd watch of a gateway: every change under its prefix, with the previous values (for WATCH_KEY), in
 * revision order, handed to the listener. When the watch breaks it watches again from the last delivered revision
 * + 1, so nothing is missed or repeated; when etcd compacted that history away it watches from the current revision
 * and tells the listener, which must then read again what its waiters wait for. While the watch is down it tells the
 * listener at every attempt to resume (at least once a second), so that waits are checked by reading meanwhile.
 */
final class GatewayWatch implements AutoCloseable {

    /** What the gateway does with the changes. Called on jetcd's threads, one call at a time. */
    interface Listener {
        void onEvents(List<WatchEvent> events);

        /** Changes may have been missed (compaction), or are not delivered now (the watch is down). */
        void onGap(String reason);
    }

    private static final Logger log = LoggerFactory.getLogger(GatewayWatch.class);
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final Watch watch;
    private final GatewayKeys keys;
    private final Supplier<CompletableFuture<Long>> currentRevision;
    private final ScheduledExecutorService scheduler;
    private final Listener listener;
    private final Object lock = new Object();
    private Watch.Watcher watcher;
    /** The next revision to deliver: events below it were delivered already. */
    private long nextRevision;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    private boolean broken;
    private boolean closed;

    GatewayWatch(Watch watch, GatewayKeys keys, Supplier<CompletableFuture<Long>> currentRevision,
            ScheduledExecutorService scheduler, Listener listener) {
        this.watch = watch;
        this.keys = keys;
        this.currentRevision = currentRevision;
        this.scheduler = scheduler;
        this.listener = listener;
    }

    /** Watches every change after the given revision. */
    void startAfter(long revision) {
        synchronized (lock) {
            nextRevision = revision + 1;
            watchFromNext();
        }
    }

    private void watchFromNext() {
        if (closed) {
            return;
        }
        WatchOption option = WatchOption.builder().isPrefix(true).withPrevKV(true).withRequireLeader(true)
                .withRevision(nextRevision).build();
        Watch.Watcher started = watch.watch(keys.all(), option,
                Watch.listener(this::onResponse, this::onError, () -> onError(new IllegalStateException(
                        "etcd ended the watch"))));
        watcher = started;
    }

    private void onResponse(WatchResponse response) {
        List<WatchEvent> fresh = new ArrayList<>(response.getEvents().size());
        synchronized (lock) {
            if (closed) {
                return;
            }
            for (WatchEvent event : response.getEvents()) {
                long revision = event.getKeyValue().getModRevision();
                if (revision >= nextRevision) {
                    fresh.add(event);
                }
            }
            if (!fresh.isEmpty()) {
                nextRevision = fresh.get(fresh.size() - 1).getKeyValue().getModRevision() + 1;
            }
            backoffMillis = FIRST_BACKOFF_MILLIS;
            if (broken) {
                broken = false;
                log.info("TCPStore gateway: the etcd watch of '{}' works again from revision {}", keys.prefix(),
                        nextRevision);
            }
        }
        if (!fresh.isEmpty()) {
            listener.onEvents(fresh);
        }
    }

    private void onError(Throwable error) {
        long brokenAt;
        synchronized (lock) {
            if (closed) {
                return;
            }
            brokenAt = nextRevision;
            closeWatcher();
            if (!broken) {
                broken = true;
                log.warn("TCPStore gateway: the etcd watch of '{}' broke at revision {} ({}); waits stay pending "
                        + "and watching resumes from there", keys.prefix(), nextRevision, error.toString());
            }
            long delay = backoffMillis;
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
            if (error instanceof CompactedException compacted) {
                scheduler.schedule(() -> resumeAfterCompaction(compacted), delay, TimeUnit.MILLISECONDS);
            } else {
                scheduler.schedule(this::resume, delay, TimeUnit.MILLISECONDS);
            }
        }
        listener.onGap("the etcd watch is down since revision " + brokenAt + " (" + error + ")");
    }

    private void resume() {
        synchronized (lock) {
            watchFromNext();
        }
    }

    private void resumeAfterCompaction(CompactedException compacted) {
        currentRevision.get().whenComplete((revision, error) -> {
            if (error != null) {
                onError(compacted); // etcd is not reachable yet: try again later
                return;
            }
            synchronized (lock) {
                if (closed) {
                    return;
                }
                String reason = "etcd compacted the history the watch needed (revision " + nextRevision
                        + ", compacted up to " + compacted.getCompactedRevision() + ")";
                log.warn("TCPStore gateway: {}; watching from revision {} and reading the awaited keys again",
                        reason, revision + 1);
                nextRevision = revision + 1;
                watchFromNext();
                listener.onGap(reason);
            }
        });
    }

    private void closeWatcher() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            closeWatcher();
        }
    }
}
