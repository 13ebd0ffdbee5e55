package dev.kvstore.etcd.access;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch of every change of a key or under a prefix from a given revision, in revision order, handed to the
 * listener. When the watch breaks it watches again from the last delivered revision + 1, so nothing is missed or
 * repeated; when etcd compacted that history away it tells the listener, which must then read again what it depends
 * on, and watches from the current revision. While the watch is down it tells the listener at every attempt to
 * resume (at least once a second), so that its user can read meanwhile or start over.
 */
public final class RevisionWatch implements AutoCloseable {

    /** What the watch's user does with the changes. Called on jetcd's threads, one call at a time. */
    public interface Listener {
        void onEvents(List<WatchEvent> events);

        /** Changes were missed (etcd compacted the history the watch needed): read again. */
        void onGap(String reason);

        /** Changes are not delivered now (the watch is down); none is missed, the watch resumes by itself. */
        void onDown(String reason);

        /** etcd confirmed a watcher that delivers every change from {@code fromRevision} (at start and resumes). */
        default void onCreated(long fromRevision) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(RevisionWatch.class);
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 1000;

    private final EtcdAccess access;
    private final Watch watch;
    private final ByteSequence key;
    private final boolean prefix;
    private final boolean withPrevKv;
    /** What logs call the watched keys, e.g. "TCPStore gateway: the etcd watch of 'P'". */
    private final String name;
    private final Listener listener;
    private final Object lock = new Object();
    private Watch.@Nullable Watcher watcher;
    /** Counts the watchers started; callbacks of any but the latest are ignored. */
    private long generation;
    /** The next revision to deliver: events below it were delivered already. */
    private long nextRevision;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    /** The last watcher failed and none has answered since; {@code brokenBy} is its failure. */
    private boolean broken;
    private @Nullable String brokenBy;
    /** This outage was logged at WARN (when resuming: a user that closes the watch at the break is not logged). */
    private boolean warned;
    private boolean closed;

    /**
     * @param name what logs call this watch, e.g. {@code "TCPStore gateway: the etcd watch of 'P'"}
     */
    RevisionWatch(EtcdAccess access, ByteSequence key, boolean prefix, boolean withPrevKv, String name,
            Listener listener) {
        this.access = access;
        this.watch = access.client().getWatchClient();
        this.key = key;
        this.prefix = prefix;
        this.withPrevKv = withPrevKv;
        this.name = name;
        this.listener = listener;
    }

    /**
     * Watches every change after the given revision.
     *
     * @throws RuntimeException from jetcd if it refuses to start a watcher (e.g. its client is closed)
     */
    public void startAfter(long revision) {
        synchronized (lock) {
            nextRevision = revision + 1;
        }
        watchFromNext(true);
    }

    /**
     * Starts a watcher from the next revision. jetcd is never called with {@link #lock} held: jetcd calls
     * {@link #onError} with its own lock held, so the other order would deadlock. Each watcher has a generation, and
     * the callbacks of a superseded one are ignored.
     */
    private void watchFromNext(boolean first) {
        WatchOption option;
        long mine;
        long from;
        synchronized (lock) {
            if (closed) {
                return;
            }
            mine = ++generation;
            from = nextRevision;
            option = WatchOption.builder().isPrefix(prefix).withPrevKV(withPrevKv).withRequireLeader(true)
                    .withCreateNotify(true).withRevision(from).build();
        }
        Watch.Watcher started;
        try {
            started = watch.watch(key, option, Watch.listener(
                    response -> onResponse(mine, from, response), error -> onError(mine, error),
                    () -> onError(mine, new IllegalStateException("etcd ended the watch"))));
        } catch (RuntimeException e) {
            if (first || e instanceof ClosedClientException) {
                throw e; // a closed client never watches again
            }
            onError(mine, e);
            return;
        }
        boolean superseded;
        synchronized (lock) {
            superseded = closed || generation != mine;
            if (!superseded) {
                watcher = started;
            }
        }
        if (superseded) {
            started.close();
        }
    }

    private void onResponse(long generationOf, long from, WatchResponse response) {
        List<WatchEvent> fresh = new ArrayList<>(response.getEvents().size());
        synchronized (lock) {
            if (closed || generationOf != generation) {
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
                if (warned) {
                    warned = false;
                    log.info("{} works again from revision {}", name, nextRevision);
                }
            }
        }
        if (response.isCreatedNotify()) {
            listener.onCreated(from);
        }
        if (!fresh.isEmpty()) {
            listener.onEvents(fresh);
        }
    }

    private void onError(long generationOf, Throwable error) {
        long brokenAt;
        Watch.Watcher ended;
        synchronized (lock) {
            if (closed || generationOf != generation) {
                return;
            }
            generation++; // whatever the ended watcher still calls is ignored
            brokenAt = nextRevision;
            ended = watcher;
            watcher = null;
            broken = true;
            brokenBy = error.toString();
            long delay = backoffMillis;
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
            if (error instanceof CompactedException compacted) {
                EtcdAccess.later(delay).execute(() -> resumeAfterCompaction(compacted));
            } else {
                EtcdAccess.later(delay).execute(this::resume);
            }
        }
        closeQuietly(ended);
        listener.onDown("the etcd watch is down since revision " + brokenAt + " (" + error + ")");
    }

    private void resume() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (broken && !warned) {
                warned = true;
                log.warn("{} broke at revision {} ({}); watching resumes from there", name, nextRevision, brokenBy);
            }
        }
        try {
            watchFromNext(false);
        } catch (ClosedClientException e) {
            log.debug("{} ends: its etcd client is closed", name);
        }
    }

    private void resumeAfterCompaction(CompactedException compacted) {
        access.currentRevision(key).whenComplete((revision, error) -> {
            String reason;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                if (error != null) {
                    // etcd is not reachable yet: try again later
                    EtcdAccess.later(MAX_BACKOFF_MILLIS).execute(() -> resumeAfterCompaction(compacted));
                    return;
                }
                reason = "etcd compacted the history the watch needed (revision " + nextRevision
                        + ", compacted up to " + compacted.getCompactedRevision() + ")";
                log.warn("{}: {}; watching from revision {}", name, reason, revision + 1);
                warned = true; // this outage is logged
                nextRevision = revision + 1;
            }
            // Told first, so that the listener reads again before it gets the events after its read.
            listener.onGap(reason);
            resume();
        });
    }

    private static void closeQuietly(Watch.@Nullable Watcher ended) {
        if (ended != null) {
            try {
                ended.close();
            } catch (RuntimeException e) {
                log.debug("closing an ended etcd watcher failed: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        Watch.Watcher open;
        synchronized (lock) {
            closed = true;
            open = watcher;
            watcher = null;
        }
        closeQuietly(open);
    }
}
