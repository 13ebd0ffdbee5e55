package dev.kvstore.tcp.gateway;

import dev.kvstore.internal.AsyncFailure;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Retries of a gateway's etcd calls while etcd is briefly unavailable (a leader election, a member restarting), up to
 * a deadline, with backoff. Only failures that may pass are retried, and only calls that are safe to repeat.
 */
final class EtcdRetry {

    /** Failures that more attempts cannot cure. */
    private static final Set<Status.Code> PERMANENT = EnumSet.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE, Status.Code.UNIMPLEMENTED,
            Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS);
    private static final long FIRST_BACKOFF_MILLIS = 20;
    private static final long MAX_BACKOFF_MILLIS = 500;

    private EtcdRetry() {
    }

    /** @return whether another attempt may succeed where this failure happened */
    static boolean isTransient(Throwable failure) {
        Throwable cause = AsyncFailure.cause(failure);
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return false;
        }
        return !PERMANENT.contains(statusCode(cause));
    }

    private static Status.Code statusCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof EtcdException etcd) {
                return Status.Code.valueOf(etcd.getErrorCode().name());
            }
        }
        return Status.fromThrowable(failure).getCode();
    }

    /**
     * @param call an etcd call that is safe to repeat (a read, a put of a fixed value)
     * @return its result, or its last failure once a failure is not transient or the deadline passed
     */
    static <T> CompletableFuture<T> idempotent(Supplier<CompletableFuture<T>> call, long deadlineNanos) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(call, deadlineNanos, FIRST_BACKOFF_MILLIS, result);
        return result;
    }

    private static <T> void attempt(Supplier<CompletableFuture<T>> call, long deadlineNanos, long backoffMillis,
            CompletableFuture<T> result) {
        call.get().whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (isTransient(error) && deadlineNanos - System.nanoTime() > TimeUnit.MILLISECONDS.toNanos(
                    backoffMillis)) {
                later(backoffMillis).execute(() -> attempt(call, deadlineNanos,
                        Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2), result));
            } else {
                result.completeExceptionally(error);
            }
        });
    }

    static Executor later(long millis) {
        return CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS);
    }
}
