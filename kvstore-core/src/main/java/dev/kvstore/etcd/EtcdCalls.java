package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for jetcd futures with a deadline and turns their failures into {@link KVStoreException}s that name the
 * endpoints. Every call of the backend goes through here, so none can block longer than its deadline.
 */
final class EtcdCalls {

    private final List<String> endpoints;
    private final Duration requestTimeout;

    EtcdCalls(List<String> endpoints, Duration requestTimeout) {
        this.endpoints = List.copyOf(endpoints);
        this.requestTimeout = requestTimeout;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    List<String> endpoints() {
        return endpoints;
    }

    /** Waits up to the request timeout. */
    <T> T await(String what, CompletableFuture<T> future) {
        return await(what, future, requestTimeout);
    }

    /**
     * Waits for the future up to the timeout; cancels it if the timeout passes or the thread is interrupted.
     *
     * @param what what the call does, for error messages, e.g. {@code "get of key 'ns/c/k'"}
     */
    <T> T await(String what, CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(Math.max(0, saturatedNanos(timeout)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new KVStoreTimeoutException(
                    "etcd " + what + " did not complete within " + timeout + " (endpoints " + endpoints + ")", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted during etcd " + what + " (endpoints " + endpoints + ")", e);
        } catch (ExecutionException e) {
            throw translate(what, e.getCause());
        } catch (CompletionException e) {
            throw translate(what, e.getCause() == null ? e : e.getCause());
        }
    }

    /** @return the duration in nanoseconds, capped far below overflow (a timeout of years means "no timeout") */
    static long saturatedNanos(Duration duration) {
        final long cap = Long.MAX_VALUE / 4;
        return duration.compareTo(Duration.ofNanos(cap)) >= 0 ? cap : duration.toNanos();
    }

    /** Maps a jetcd or gRPC failure to the store's exceptions, by its status code. */
    KVStoreException translate(String what, Throwable failure) {
        if (failure instanceof KVStoreException known) {
            return known;
        }
        Status.Code code = statusCode(failure);
        String message = "etcd " + what + " failed at " + endpoints + ": " + code + " " + describe(failure);
        return switch (code) {
            case DEADLINE_EXCEEDED -> new KVStoreTimeoutException(
                    "etcd " + what + " did not complete within " + requestTimeout + " (endpoints " + endpoints + "): "
                            + describe(failure), failure);
            // Worth retrying (waits do): the cluster or the connection may come back. PERMISSION_DENIED is not.
            case UNAVAILABLE, UNAUTHENTICATED, CANCELLED -> new KVStoreConnectionException(message, failure);
            default -> new KVStoreException(message, failure);
        };
    }

    static Status.Code statusCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof EtcdException etcd) {
                return Status.Code.valueOf(etcd.getErrorCode().name());
            }
        }
        return Status.fromThrowable(failure).getCode();
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null ? failure.getClass().getSimpleName() : message;
    }
}
