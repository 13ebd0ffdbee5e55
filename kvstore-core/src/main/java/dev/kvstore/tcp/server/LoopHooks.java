package dev.kvstore.tcp.server;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Testing seam of the event loop (package-private, set through {@link TcpStoreServer}'s package-private methods):
 * inject a failure while one connection is served, or kill the loop itself, to prove that failures are contained
 * and a dead loop is restarted. Both cost one volatile read per event when unset.
 */
final class LoopHooks {

    private volatile @Nullable Consumer<String> beforeServing;
    private final AtomicReference<Runnable> killOnce = new AtomicReference<>();

    /** @param hook called with the peer address ("127.0.0.1:54321") before each ready connection is served */
    void beforeServing(@Nullable Consumer<String> hook) {
        this.beforeServing = hook;
    }

    /**
     * @param failure run once by the loop outside any connection's handling; what it throws ends the loop, as if the
     *     loop itself failed (a test's failure may also exhaust the heap first)
     */
    void killLoopOnce(Runnable failure) {
        killOnce.set(failure);
    }

    void beforeServing(String peer) {
        Consumer<String> hook = beforeServing;
        if (hook != null) {
            hook.accept(peer);
        }
    }

    void tick() {
        if (killOnce.get() != null) {
            Runnable failure = killOnce.getAndSet(null);
            if (failure != null) {
                failure.run();
            }
        }
    }
}
