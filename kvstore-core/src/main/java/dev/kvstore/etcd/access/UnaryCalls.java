package dev.kvstore.etcd.access;

import dev.kvstore.internal.Deadline;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary gRPC call the request timeout as its deadline, so that jetcd's wait-for-ready cannot keep a call
 * pending forever on an unreachable cluster (the call is then cancelled at the gRPC level, not just abandoned), and
 * runs the callbacks of a call whose caller blocks for it on that caller's thread ({@link CallerRuns}). Streaming
 * calls (watches, lease keep-alives) live longer than one request and are left alone: their users bound them.
 */
final class UnaryCalls implements ClientInterceptor {

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
            if (caller != null) {
                options = options.withExecutor(caller);
            }
        }
        return next.newCall(method, options);
    }
}
