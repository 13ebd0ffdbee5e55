package dev.kvstore.etcd.access;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor of the gRPC calls a blocked caller issues: their callbacks (the answer, the call's close, the future
 * chain jetcd hangs on them) run on the caller's own thread while it waits, as gRPC's blocking stubs do, instead of
 * on gRPC's default executor, which would wake the caller from a third thread. Once the caller stops waiting,
 * whatever is still queued or comes later runs on the thread that hands it over.
 */
final class CallerRuns implements Executor {

    private static final Logger log = LoggerFactory.getLogger(CallerRuns.class);
    private static final Runnable WAKE = () -> { };
    /** The executor of the calls issued on this thread now, if it is about to wait for them. */
    private static final ThreadLocal<@Nullable CallerRuns> ISSUING = new ThreadLocal<>();

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile boolean done;

    /** @return the executor for a unary call started on this thread now, or {@code null} for gRPC's default */
    static @Nullable Executor issuing() {
        return ISSUING.get();
    }

    /** Starts the call with this executor for the unary calls it issues on this thread. */
    <T> CompletableFuture<T> issue(java.util.function.Supplier<CompletableFuture<T>> call) {
        ISSUING.set(this);
        try {
            return call.get();
        } finally {
            ISSUING.remove();
        }
    }

    @Override
    public void execute(Runnable task) {
        if (done) {
            task.run();
            return;
        }
        tasks.add(task);
        if (done && tasks.remove(task)) {
            task.run(); // the caller stopped between the check and the add
        }
    }

    /**
     * Runs the calls' callbacks on this thread until the future is done or the timeout passed, then hands later
     * callbacks to whoever delivers them.
     */
    <T> T await(CompletableFuture<T> future, long timeoutNanos)
            throws TimeoutException, InterruptedException, ExecutionException {
        try {
            future.whenComplete((value, error) -> tasks.add(WAKE)); // completed elsewhere, e.g. by a retry
            long deadline = System.nanoTime() + timeoutNanos;
            while (!future.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                Runnable task = tasks.poll(left, TimeUnit.NANOSECONDS);
                if (task != null) {
                    run(task);
                }
            }
            return future.get();
        } finally {
            done = true;
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                run(task);
            }
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("A callback of an etcd call failed", e);
        }
    }
}
