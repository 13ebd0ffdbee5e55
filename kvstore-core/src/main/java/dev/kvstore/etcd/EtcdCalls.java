package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Deadline;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
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

    /** etcd's answer to wrong credentials (its ErrGRPCAuthFailed), which jetcd wraps into UNAUTHENTICATED. */
    private static final String AUTHENTICATION_FAILED = "etcdserver: authentication failed";

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
            return future.get(Deadline.cappedNanos(timeout), TimeUnit.NANOSECONDS);
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

    /** Maps a jetcd or gRPC failure to the store's exceptions, by its status code. */
    KVStoreException translate(String what, Throwable failure) {
        if (failure instanceof KVStoreException known) {
            return known;
        }
        Status.Code code = statusCode(failure);
        String description = describe(failure);
        if (isAuthenticationFailure(failure)) {
            return new KVStoreConnectionException("etcd " + what + " failed at " + endpoints
                    + ": etcd refused the user and password (" + description + ")", failure);
        }
        String message = "etcd " + what + " failed at " + endpoints + ": "
                + (description.startsWith(code.name()) ? "" : code + " ") + description;
        return switch (code) {
            case DEADLINE_EXCEEDED -> new KVStoreTimeoutException(
                    "etcd " + what + " did not complete within " + requestTimeout + " (endpoints " + endpoints + "): "
                            + description, failure);
            // Worth retrying (waits do): the cluster or the connection may come back. PERMISSION_DENIED is not.
            case UNAVAILABLE, UNAUTHENTICATED, CANCELLED -> new KVStoreConnectionException(message, failure);
            // gRPC reports a connection that closes under a running call (e.g. a member dies) as UNKNOWN.
            case UNKNOWN -> isIoFailure(failure)
                    ? new KVStoreConnectionException(message, failure)
                    : new KVStoreException(message, failure);
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

    private static boolean isIoFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether etcd refused the configured user and password. That is permanent (until someone fixes the
     * credentials), unlike a failure to authenticate because the cluster is unavailable, which jetcd also reports
     * as UNAUTHENTICATED.
     */
    static boolean isAuthenticationFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(AUTHENTICATION_FAILED)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The messages of the failure and its causes: jetcd and gRPC often put the useful part in a cause, e.g.
     * "UNAUTHENTICATED; caused by INVALID_ARGUMENT: etcdserver: authentication failed, ...".
     */
    private static String describe(Throwable failure) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (parts.stream().noneMatch(part -> part.contains(message))) {
                parts.add(message);
            }
        }
        return String.join("; caused by ", parts);
    }
}
