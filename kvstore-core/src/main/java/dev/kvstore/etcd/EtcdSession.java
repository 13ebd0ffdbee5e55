package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.backend.Holdings;
import dev.kvstore.etcd.access.EtcdAccess;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease of one {@link EtcdKVStore}, under which its locks are held: granted on first use with the store's lease
 * TTL, kept alive every third of the TTL from a timer thread (never an I/O thread), and revoked on close.
 *
 * <p>The lease is lost when etcd says it expired, or when no keep-alive was confirmed for a whole TTL (counted from
 * when the last confirmed keep-alive was sent, so this side never believes in a lease etcd already dropped). Then the
 * loss is logged once at WARN and reported to the listeners, and the next use grants a new lease.
 */
final class EtcdSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);

    private final Lease leases;
    private final EtcdAccess access;
    private final Duration ttl;
    private final List<Consumer<String>> lossListeners = new CopyOnWriteArrayList<>();
    private @Nullable ScheduledExecutorService timer;
    private @Nullable Granted current;
    private boolean closed;

    EtcdSession(Lease leases, EtcdAccess access, Duration ttl) {
        this.leases = leases;
        this.access = access;
        this.ttl = ttl;
    }

    Duration ttl() {
        return ttl;
    }

    /** Adds a listener told (on the timer thread) why a lease was lost. */
    void onLoss(Consumer<String> listener) {
        lossListeners.add(listener);
    }

    /** @return the live lease, granting one if there is none or the last was lost */
    synchronized Granted current() {
        if (closed) {
            throw new IllegalStateException("the etcd lease of this store is closed");
        }
        if (current == null || current.lost) {
            current = grant();
        }
        return current;
    }

    private Granted grant() {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        long sent = System.nanoTime();
        long id = access.await("grant of a " + seconds + " s lease", () -> leases.grant(seconds)).getID();
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "kvstore-etcd-lease");
                thread.setDaemon(true);
                return thread;
            });
        }
        Granted granted = new Granted(id, sent);
        Holdings.leaseGranted();
        long period = Math.max(100, ttl.toMillis() / 3);
        granted.keepAlive = timer.scheduleWithFixedDelay(() -> keepAlive(granted), period, period,
                TimeUnit.MILLISECONDS);
        log.debug("Granted etcd lease {} (TTL {} s) at {}", Long.toHexString(id), seconds, access.endpoints());
        return granted;
    }

    private void keepAlive(Granted granted) {
        if (granted.lost) {
            return;
        }
        long sent = System.nanoTime();
        try {
            Duration bound = Duration.ofMillis(Math.max(100, Math.min(access.requestTimeout().toMillis(),
                    ttl.toMillis() / 3)));
            LeaseKeepAliveResponse response = access.await("keep-alive of lease " + Long.toHexString(granted.id),
                    () -> leases.keepAliveOnce(granted.id), bound);
            if (response.getTTL() <= 0) {
                lose(granted, "etcd reports that it expired");
                return;
            }
            if (granted.failing) {
                log.info("Keep-alives of etcd lease {} are confirmed again", Long.toHexString(granted.id));
                granted.failing = false;
            }
            granted.confirmedSent = sent;
        } catch (KVStoreException | IllegalStateException e) {
            if (EtcdAccess.statusCode(e) == io.grpc.Status.Code.NOT_FOUND) {
                lose(granted, "etcd no longer knows it (" + e.getMessage() + ")");
            } else if (sent - granted.confirmedSent > ttl.toNanos()) {
                lose(granted, "no keep-alive was confirmed for its TTL of " + ttl + " (last error: " + e.getMessage()
                        + ")");
            } else if (!granted.failing) {
                granted.failing = true;
                log.debug("Keep-alive of etcd lease {} failed, retrying: {}", Long.toHexString(granted.id),
                        e.getMessage());
            }
        }
    }

    private void lose(Granted granted, String why) {
        synchronized (this) {
            if (granted.lost || closed) {
                return;
            }
            granted.lost = true;
            Holdings.leaseEnded();
            if (granted.keepAlive != null) {
                granted.keepAlive.cancel(false);
            }
        }
        String message = "etcd lease " + Long.toHexString(granted.id) + " was lost: " + why
                + "; the locks held under it are no longer held";
        log.warn(message);
        for (Consumer<String> listener : lossListeners) {
            try {
                listener.accept(message);
            } catch (RuntimeException e) {
                log.warn("A lease loss listener failed", e);
            }
        }
    }

    /** Revokes the lease (freeing what it holds at once, if etcd answers) and stops the timer. */
    @Override
    public void close() {
        Granted last;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            last = current;
            if (timer != null) {
                timer.shutdownNow();
            }
        }
        if (last != null && !last.lost) {
            last.lost = true;
            Holdings.leaseEnded();
            try {
                access.await("revoke of lease " + Long.toHexString(last.id), () -> leases.revoke(last.id));
            } catch (KVStoreException e) {
                log.debug("Revoking etcd lease {} on close failed (it expires within its TTL): {}",
                        Long.toHexString(last.id), e.getMessage());
            }
        }
    }

    /** One granted lease. */
    static final class Granted {

        final long id;
        volatile boolean lost;
        volatile long confirmedSent;
        volatile boolean failing;
        @Nullable ScheduledFuture<?> keepAlive;

        Granted(long id, long sent) {
            this.id = id;
            this.confirmedSent = sent;
        }

        /**
         * @return whether the lease is certainly still alive on etcd: not lost, and less than a TTL since the last
         *     confirmed keep-alive was sent (etcd counts its TTL from when it received it, which is later)
         */
        boolean isAlive(Duration ttl) {
            return !lost && System.nanoTime() - confirmedSent < ttl.toNanos();
        }
    }
}
