package dev.kvstore.tcp.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide memory budget ({@link ServerLimits#maxMemoryBytes()}): what the server holds for its clients is
 * charged here, so that no mix of clients can make it hold more than the budget, whatever the per-connection limits
 * allow. Charged: unread replies (watch notifications and initial states included), partly received requests, and
 * the stored keys, values and queues at their heap cost (at most {@link #STORE_SHARE} of the budget, so that a full
 * store leaves room for replies). One per server, kept across event-loop restarts; safe to use from any thread.
 */
final class MemoryBudget {

    /** The default budget is the maximum heap divided by this. */
    static final int HEAP_SHARE = 2;
    /** The stored keys may take this share of the budget; the rest stays for what clients are sent and send. */
    static final double STORE_SHARE = 0.75;

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    /** The part of {@link #used} that stored entries hold. */
    private final AtomicLong stored = new AtomicLong();

    MemoryBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("maxMemoryBytes must be positive, got " + limit);
        }
        this.limit = limit;
    }

    /** @return half of the maximum heap ({@code -Xmx}): the default {@link ServerLimits#maxMemoryBytes()} */
    static long defaultLimit() {
        return Runtime.getRuntime().maxMemory() / HEAP_SHARE;
    }

    /** @return whether {@code bytes} were charged: false, and nothing charged, if they would pass the limit */
    boolean tryCharge(long bytes) {
        long now = used.get();
        while (true) {
            if (now + bytes > limit && bytes > 0) {
                return false;
            }
            long witness = used.compareAndExchange(now, now + bytes);
            if (witness == now) {
                return true;
            }
            now = witness;
        }
    }

    /**
     * Charges stored entries, which may take {@link #STORE_SHARE} of the budget whatever the replies hold: a store
     * charge is refused only past that share, and replies that then do not fit close the connections with the most
     * unread replies, so unread replies cannot keep clients from storing keys.
     *
     * @return whether {@code bytes} were charged: false, and nothing charged, past the stored entries' share
     */
    boolean tryChargeStore(long bytes) {
        long now = stored.get();
        while (true) {
            if (bytes > 0 && now + bytes > limit * STORE_SHARE) {
                return false;
            }
            long witness = stored.compareAndExchange(now, now + bytes);
            if (witness == now) {
                used.addAndGet(bytes);
                return true;
            }
            now = witness;
        }
    }

    /** Gives back what stored entries no longer hold. */
    void releaseStore(long bytes) {
        stored.addAndGet(-bytes);
        used.addAndGet(-bytes);
    }

    /** Charges bytes that are held already (bytes read from a socket), past the limit if need be. */
    void charge(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** @return bytes charged now */
    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }

    /** @return whether more is charged than the limit allows (only {@link #charge} can pass it) */
    boolean exceeded() {
        return used.get() > limit;
    }
}
