package dev.kvstore.tcp.server;

import dev.kvstore.internal.AsyncFailure;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waiters' wake-ups, the same for every {@link ServerStore}: the store's {@link ServerStore.Listener}, which wakes
 * the WAITs and notifies the WATCH_KEY watches ({@link KeyWaiters}) and, on the store in memory, the Java master's
 * prefix watches and ephemeral keys ({@link ExtensionCommands}) of every change. The store in memory reports on the
 * event loop as each change happens, and the change is applied at once, so that no change falls between a state read
 * and its notifications; a store outside the process reports from its own threads, and each change is handed to the
 * event loop, in order.
 *
 * <p>When the store says changes were {@linkplain #missed missed}, the keys the pending waits wait for are read again:
 * a wait whose key was set meanwhile, through any server on the store, is woken.
 */
final class Wakeups implements ServerStore.Listener {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    private static final byte[] EMPTY = new byte[0];

    private final ServerStore store;
    private final KeyWaiters waiters;
    private final @Nullable ExtensionCommands extensions;
    /** Whether the store reports on the event loop (in memory) rather than from threads of its own. */
    private final boolean onLoop;
    private volatile @Nullable EventLoop loop;

    Wakeups(ServerStore store, KeyWaiters waiters, @Nullable ExtensionCommands extensions) {
        this.store = store;
        this.waiters = waiters;
        this.extensions = extensions;
        this.onLoop = store instanceof MemoryServerStore;
    }

    /** The loop that applies the changes from now on (a new one after a loop restart). */
    void attach(EventLoop current) {
        this.loop = current;
    }

    @Override
    public void written(String key, byte @Nullable [] previous, byte[] value) {
        if (onLoop) {
            applyWritten(key, previous, value);
        } else {
            submit(() -> applyWritten(key, previous, value));
        }
    }

    @Override
    public void deleted(String key, byte @Nullable [] previous) {
        if (onLoop) {
            applyDeleted(key, previous);
        } else {
            submit(() -> applyDeleted(key, previous));
        }
    }

    @Override
    public void pushed(String key) {
        if (onLoop) {
            waiters.wakeOneWaiter(key);
        } else {
            submit(() -> waiters.wakeOneWaiter(key));
        }
    }

    private void applyWritten(String key, byte @Nullable [] previous, byte[] value) {
        waiters.keyReady(key);
        waiters.notifyWatchers(previous == null ? KeyWaiters.KEY_CREATED : KeyWaiters.KEY_UPDATED, key,
                previous == null ? EMPTY : previous, value);
        if (extensions != null) {
            extensions.written(key, value);
        }
    }

    private void applyDeleted(String key, byte @Nullable [] previous) {
        waiters.notifyWatchers(KeyWaiters.KEY_DELETED, key, previous == null ? EMPTY : previous, EMPTY);
        if (extensions != null) {
            extensions.deleted(key);
        }
    }

    @Override
    public void missed(String reason) {
        log.debug("TCPStore server: its store ({}) may have missed changes ({}); reading the awaited keys again",
                store, reason);
        submit(this::readAwaitedKeys);
    }

    /** On the loop: reads the keys of the pending waits and wakes the waits of those now present. */
    private void readAwaitedKeys() {
        List<String> awaited = new ArrayList<>(waiters.waitersByKey().keySet());
        if (awaited.isEmpty()) {
            return;
        }
        store.present(awaited).whenComplete((present, error) -> {
            if (error != null) {
                // The next missed() reads again: a store whose feed can fail says so periodically.
                log.debug("TCPStore server: reading the awaited keys again failed ({})",
                        AsyncFailure.cause(error).toString());
                return;
            }
            submit(() -> {
                for (int i = 0; i < present.length; i++) {
                    if (present[i]) {
                        waiters.keyReady(awaited.get(i));
                    }
                }
            });
        });
    }

    /** Runs the change on the event loop; dropped when no loop runs (its clients are gone with it). */
    private void submit(Runnable change) {
        EventLoop current = loop;
        if (current != null) {
            current.submit(change);
        }
    }
}
