package dev.kvstore.recipes;

import dev.kvstore.api.KVLock;
import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.Locks;
import dev.kvstore.backend.ThreadReentrantLock;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.ProcessName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process-level lock made of compare-and-set on an owner key ({@code locks/{name}/owner}): free when missing or
 * empty, held when it holds the owner's token ({@code pid@host/random}). Release sets it back to empty with a
 * compare-and-set, so a holder never frees someone else's lock. The fencing token is a counter
 * ({@code locks/{name}/fencing}) incremented by every new holder.
 *
 * <p>Nothing frees the lock of a holder that died: the owner key names the holder, and an operator (or a fencing
 * rule of the application) deletes it. Waiting is polling with a backoff of up to {@link #MAX_POLL}, as TCPStore
 * cannot block until a key changes.
 *
 * <p>It uses only the {@link KVStore} core ({@code compareAndSet}, {@code add}, {@code get}), so it works on every
 * store: {@link #locks(KVStore)} gives the {@link Locks} of any store (TCPStore's {@code Locks} capability is this).
 */
public final class CompareAndSetLock {

    /** The longest pause between two attempts while the lock is held by someone else. */
    public static final Duration MAX_POLL = Duration.ofMillis(50);
    private static final Duration FIRST_POLL = Duration.ofMillis(1);
    private static final byte[] FREE = new byte[0];
    private static final Logger log = LoggerFactory.getLogger(CompareAndSetLock.class);

    /**
     * The compare-and-set locks of a store (or component view), with {@link Locks#elect elections} over them: the
     * same {@link KVLock} for the same name, re-entrant per thread: only the first acquisition of the holding thread
     * sets the owner key, only its last release frees it.
     */
    public static Locks locks(KVStore store) {
        Objects.requireNonNull(store, "store");
        Map<String, KVLock> byName = new ConcurrentHashMap<>();
        return name -> byName.computeIfAbsent(KeyLayout.requireKey(name),
                n -> new ThreadReentrantLock(n, new OwnerKey(store, n)));
    }

    private CompareAndSetLock() {
    }

    /** The lock of the processes, made of the owner key; used by the holder of the local lock only. */
    private static final class OwnerKey implements ThreadReentrantLock.Remote {

        private final KVStore store;
        private final String name;
        private final String ownerKey;
        private final String fencingKey;
        private final byte[] owner;

        /** @param store the store (or component view) whose keys hold the lock */
        OwnerKey(KVStore store, String name) {
            this.store = store;
            this.name = name;
            this.ownerKey = "locks/" + name + "/owner";
            this.fencingKey = "locks/" + name + "/fencing";
            this.owner = (ProcessName.current() + "/" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public long acquire(Duration timeout) {
            Deadline deadline = Deadline.after(timeout);
            Backoff backoff = new Backoff(FIRST_POLL, MAX_POLL);
            while (true) {
                if (store.compareAndSet(ownerKey, null, owner) || store.compareAndSet(ownerKey, FREE, owner)) {
                    return store.add(fencingKey, 1);
                }
                if (deadline.hasPassed()) {
                    String holder = store.get(ownerKey).orElse("nobody (it was just freed)");
                    throw new KVStoreTimeoutException("lock '" + name + "' was not acquired within " + timeout
                            + ": held by " + holder + " (key '" + store.component() + "/" + ownerKey + "'; a holder "
                            + "that died keeps it until the key is deleted)");
                }
                try {
                    backoff.sleep(deadline);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KVStoreException("interrupted while acquiring lock '" + name + "'", e);
                }
            }
        }

        @Override
        public void release() {
            if (!store.compareAndSet(ownerKey, owner, FREE)) {
                log.warn("Lock '{}' was no longer held by this process when released: its owner key '{}' was changed "
                        + "by someone else (an operator freeing it?)", name, ownerKey);
            }
        }

        /** Asks the store: whether the owner key still holds this process's token. */
        @Override
        public boolean isValid(long fencingToken) {
            return store.getBytes(ownerKey).map(value -> Arrays.equals(value, owner)).orElse(false);
        }
    }
}
