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
    private final AtomicReference<Error> killOnce = new AtomicReference<>();

    /** @param hook called with the peer address ("127.0.0.1:54321") before each ready connection is served */
    void beforeServing(@Nullable Consumer<String> hook) {
        this.beforeServing = hook;
    }

    /** @param error thrown once by the loop outside any connection's handling, as if the loop itself failed */
    void killLoopOnce(Error error) {
        killOnce.set(error);
    }

    void beforeServing(String peer) {
        Consumer<String> hook = beforeServing;
        if (hook != null) {
            hook.accept(peer);
        }
    }

    void tick() {
        if (killOnce.get() != null) {
            Error error = killOnce.getAndSet(null);
            if (error != null) {
                throw error;
            }
        }
    }
}
