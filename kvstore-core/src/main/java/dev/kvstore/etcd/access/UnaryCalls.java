package dev.kvstore.etcd.access;

import dev.kvstore.internal.Deadline;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives every unary gRPC call the request timeout as its deadline, so that jetcd's wait-for-ready cannot keep a call
 * pending forever on an unreachable cluster (the call is then cancelled at the gRPC level, not just abandoned), and
 * runs the callbacks of a call whose caller blocks for it on that caller's thread ({@link CallerRuns}). The callbacks
 * of asynchronous calls (the gateway's, and retries) run on a few shared threads: gRPC's default executor is a cached
 * pool, which starts a thread for every answer that arrives while all of its threads are busy, and a gateway under
 * load received answers faster than two cores ran their callbacks (a 96K-rank run started 512 threads in 79 s).
 * Streaming calls (watches, lease keep-alives) live longer than one request and are left alone: their users bound
 * them.
 */
final class UnaryCalls implements ClientInterceptor {

    /**
     * The threads of asynchronous calls' callbacks, shared by every client in the JVM as gRPC's default executor is;
     * they stop when idle. Callbacks here never block on another etcd call (blocking callers issue theirs through
     * {@link CallerRuns}), so a bounded pool cannot starve its own answers.
     */
    private static final Executor CALLBACKS = callbackThreads();

    private final long timeoutNanos;

    UnaryCalls(Duration timeout) {
        this.timeoutNanos = Deadline.cappedNanos(timeout);
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions callOptions,
            Channel next) {
        CallOptions options = callOptions;
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            options = options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
            Executor caller = CallerRuns.issuing();
            options = options.withExecutor(caller != null ? caller : CALLBACKS);
        }
        return next.newCall(method, options);
    }

    private static Executor callbackThreads() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "kvstore-etcd-callbacks-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
