package dev.kvstore.etcd;

import dev.kvstore.internal.Deadline;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary gRPC call a deadline, so that jetcd's wait-for-ready cannot keep a call pending forever on an
 * unreachable cluster; the call is then cancelled at the gRPC level, not just abandoned. Streaming calls (watches,
 * lease keep-alives) live longer than one request and are left alone: the waits bound them themselves.
 */
final class DeadlineInterceptor implements ClientInterceptor {

    private final long timeoutNanos;

    DeadlineInterceptor(Duration timeout) {
        this.timeoutNanos = Deadline.cappedNanos(timeout);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
            CallOptions callOptions, Channel next) {
        CallOptions options = callOptions;
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            options = callOptions.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        return next.newCall(method, options);
    }
}
