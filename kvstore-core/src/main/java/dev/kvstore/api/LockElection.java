package dev.kvstore.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KVElection} made of a {@link KVLock}: the campaign thread acquires the lock, is leader while its hold is
 * valid, checks that every {@link #CHECK_INTERVAL}, and tells the listener about the revocation before it releases
 * the lock, so a new leader never starts before the old one was told to stop (unless the old one died).
 */
final class LockElection implements KVElection {

    /** How often a leader checks that it still holds the lock; also how long one acquisition attempt lasts. */
    static final Duration CHECK_INTERVAL = Duration.ofMillis(100);
    private static final Duration ATTEMPT = Duration.ofSeconds(1);
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofMillis(500);
    private static final Logger log = LoggerFactory.getLogger(LockElection.class);

    private final String name;
    private final KVLock lock;
    private final Listener listener;
    private final Thread campaign;
    private volatile boolean closed;
    private volatile KVLock.@Nullable Hold leadership;

    private LockElection(String name, KVLock lock, Listener listener) {
        this.name = name;
        this.lock = lock;
        this.listener = listener;
        this.campaign = new Thread(this::campaign, "kvstore-election-" + name);
        this.campaign.setDaemon(true);
    }

    /** Starts campaigning for the name with the lock. */
    static LockElection start(String name, KVLock lock, Listener listener) {
        LockElection election = new LockElection(Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(lock, "lock"), Objects.requireNonNull(listener, "listener"));
        election.campaign.start();
        return election;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isLeader() {
        KVLock.Hold hold = leadership;
        return hold != null && stillValid(hold);
    }

    @Override
    public OptionalLong term() {
        KVLock.Hold hold = leadership;
        return hold != null && stillValid(hold) ? OptionalLong.of(hold.fencingToken()) : OptionalLong.empty();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(campaign);
        try {
            campaign.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (campaign.isAlive()) {
            log.warn("The campaign for '{}' did not end within 30 s of close; interrupting it", name);
            campaign.interrupt();
        }
    }

    private void campaign() {
        while (!closed) {
            Optional<KVLock.Hold> hold;
            try {
                hold = lock.tryAcquire(ATTEMPT);
            } catch (IllegalStateException e) {
                log.info("The campaign for '{}' ends: {}", name, e.getMessage()); // the store was closed
                return;
            } catch (KVStoreException e) {
                if (closed) {
                    return;
                }
                log.debug("Campaign for '{}': acquiring failed, trying again: {}", name, e.getMessage());
                LockSupport.parkNanos(PAUSE_AFTER_FAILURE.toNanos());
                continue;
            }
            if (hold.isPresent()) {
                lead(hold.get());
            }
        }
    }

    private void lead(KVLock.Hold hold) {
        long term = hold.fencingToken();
        leadership = hold;
        log.info("This process is leader of '{}' (term {})", name, term);
        notify(true, term);
        while (!closed && stillValid(hold)) {
            LockSupport.parkNanos(CHECK_INTERVAL.toNanos());
        }
        leadership = null;
        if (closed) {
            log.info("This process resigns the leadership of '{}' (term {})", name, term);
        } else {
            log.warn("This process lost the leadership of '{}' (term {}): its hold of the lock is no longer valid",
                    name, term);
        }
        notify(false, term);
        try {
            hold.close();
        } catch (RuntimeException e) {
            log.debug("Releasing the leadership lock of '{}' failed (it expires with its lease): {}", name,
                    e.getMessage());
        }
    }

    /** Whether the hold is valid; a store that cannot tell (closed, unreachable TCPStore) means no. */
    private boolean stillValid(KVLock.Hold hold) {
        try {
            return hold.isValid();
        } catch (RuntimeException e) {
            log.debug("Cannot confirm the leadership of '{}': {}", name, e.getMessage());
            return false;
        }
    }

    private void notify(boolean granted, long term) {
        try {
            if (granted) {
                listener.granted(term);
            } else {
                listener.revoked(term);
            }
        } catch (RuntimeException e) {
            log.warn("The leadership listener of '{}' failed on {}", name, granted ? "granted" : "revoked", e);
        }
    }

    @Override
    public String toString() {
        return "election '" + name + "'" + (isLeader() ? " (leader)" : "");
    }
}
