package dev.kvstore.etcd.access;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.AsyncFailure;
import dev.kvstore.internal.Deadline;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One connected jetcd {@link Client} with its endpoints and request timeout: the one way kvstore calls etcd, for the
 * backend (blocking: {@link #await}) and for the TCPStore gateway (asynchronous: {@link #call}, {@link #repeatable}).
 *
 * <ul>
 *   <li>Deadlines: every unary call carries the request timeout as its gRPC deadline ({@link #configure}), and
 *       every wait for one is bounded too; a failure names the endpoints and, for a timeout, the setting that bounds
 *       it.
 *   <li>Retries: only of calls that are safe to repeat ({@link #repeatable}, {@link #awaitRepeatable}), only while
 *       the failure may pass (etcd unavailable, a leader election), with backoff, within the request timeout.
 *       Read-modify-writes are never repeated blindly: they go through a {@link FencedWriter}.
 *   <li>Few thread hops: a blocking caller issues its call on its own thread and runs the call's callbacks there
 *       while it waits ({@link CallerRuns}), as gRPC's blocking stubs do.
 * </ul>
 */
public final class EtcdAccess {

    /** The builder setting that bounds every call, named in the timeouts it cut. */
    public static final String REQUEST_TIMEOUT_SETTING = "requestTimeout";

    /** etcd's answer to wrong credentials (its ErrGRPCAuthFailed), which jetcd wraps into UNAUTHENTICATED. */
    private static final String AUTHENTICATION_FAILED = "etcdserver: authentication failed";
    /** Failures that more attempts cannot cure. */
    private static final Set<Status.Code> PERMANENT = EnumSet.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE, Status.Code.UNIMPLEMENTED,
            Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS);
    private static final long FIRST_BACKOFF_MILLIS = 20;
    private static final long MAX_BACKOFF_MILLIS = 500;
    /** How much longer than the request timeout an asynchronous call may take before it fails here. */
    private static final long CALL_SLACK_MILLIS = 1000;
    private static final GetOption COUNT_PREFIX = GetOption.builder().isPrefix(true).withCountOnly(true).build();

    private final Client client;
    private final KV kv;
    private final List<String> endpoints;
    private final Duration requestTimeout;
    /** When etcd last answered a call of this access ({@link System#nanoTime()}); 0 before the first answer. */
    private volatile long lastAnswer;

    /**
     * @param client a client whose builder went through {@link #configure}
     */
    public EtcdAccess(Client client, List<String> endpoints, Duration requestTimeout) {
        this.client = client;
        this.kv = client.getKVClient();
        this.endpoints = List.copyOf(endpoints);
        this.requestTimeout = requestTimeout;
    }

    /**
     * Sets up a jetcd builder for this layer: the request timeout as every unary call's deadline, jetcd's own
     * retries kept within it, and jetcd's calls issued on the thread that makes them (jetcd would otherwise hand
     * every call to its own thread pool first).
     */
    public static void configure(ClientBuilder builder, Duration requestTimeout) {
        builder.interceptor(new UnaryCalls(requestTimeout)).executorService(new SameThread());
        long millis = Math.max(1, requestTimeout.toMillis());
        long delay = Math.max(1, Math.min(500, millis / 5));
        long maxDelay = Math.max(delay + 1, Math.min(2500, millis / 2));
        builder.retryDelay(delay).retryMaxDelay(maxDelay).retryChronoUnit(ChronoUnit.MILLIS);
        if (millis > maxDelay) {
            builder.retryMaxDuration(requestTimeout);
        }
    }

    public Client client() {
        return client;
    }

    public KV kv() {
        return kv;
    }

    public List<String> endpoints() {
        return endpoints;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** @return a writer of read-modify-writes that keeps its token keys where {@code tokens} says */
    public FencedWriter writer(FencedWriter.TokenKeys tokens) {
        return new FencedWriter(this, tokens);
    }

    /**
     * @param key the key watched, or the prefix of the keys watched
     * @param prefix whether {@code key} is a prefix
     * @param withPrevKv whether events carry the value before the change
     * @param name what logs call the watch, e.g. {@code "TCPStore gateway: the etcd watch of 'P'"}
     * @return a watch of every change of the key or under the prefix, started by
     *     {@link RevisionWatch#startAfter(long)}; the one way kvstore watches etcd
     */
    public RevisionWatch watch(ByteSequence key, boolean prefix, boolean withPrevKv, String name,
            RevisionWatch.Listener listener) {
        return new RevisionWatch(this, key, prefix, withPrevKv, name, listener);
    }

    /**
     * @return whether etcd confirms a watch of the key within {@code bound}: an answer to a streaming call, which
     *     the request timeout does not bound (so it tells a deadline too short from an etcd that does not answer)
     */
    public boolean createsWatches(ByteSequence key, Duration bound) {
        CompletableFuture<Boolean> created = new CompletableFuture<>();
        WatchOption option = WatchOption.builder().withCreateNotify(true).build();
        try (Watch.Watcher watcher = client.getWatchClient().watch(key, option,
                Watch.listener(response -> created.complete(response.isCreatedNotify()),
                        error -> created.complete(false)))) {
            return created.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    /** @return the revision etcd is at now, read as a count of the prefix's keys (a repeatable call) */
    public CompletableFuture<Long> currentRevision(ByteSequence prefix) {
        return repeatable(() -> kv.get(prefix, COUNT_PREFIX)).thenApply(read -> read.getHeader().getRevision());
    }

    // --- blocking, for the backend ------------------------------------------------------------------------------

    /** Issues the call on this thread and waits up to the request timeout; see {@link #await}. */
    public <T> T await(String what, Supplier<CompletableFuture<T>> call) {
        return await(what, call, requestTimeout);
    }

    /**
     * Issues the call on this thread and waits for it, running its callbacks on this thread meanwhile; cancels it if
     * the timeout passes or the thread is interrupted.
     *
     * @param what what the call does, for error messages, e.g. {@code "get of key 'ns/c/k'"}
     * @throws KVStoreException what {@link #translate} makes of its failure
     */
    public <T> T await(String what, Supplier<CompletableFuture<T>> call, Duration timeout) {
        CallerRuns caller = new CallerRuns();
        long started = System.nanoTime();
        CompletableFuture<T> future;
        try {
            future = caller.issue(call);
        } catch (RuntimeException e) {
            throw translate(what, e, started);
        }
        return join(what, future, caller, timeout, started);
    }

    /**
     * Issues a {@link FencedWriter#write} on this thread and waits for it; the writer bounds its retries and the
     * settling of a lost answer by the request timeout, so this waits at most about three of them.
     */
    public <T> T awaitWrite(String what, Supplier<CompletableFuture<T>> write) {
        return await(what, write, requestTimeout.multipliedBy(3).plusMillis(CALL_SLACK_MILLIS));
    }

    /**
     * Waits for a future of this access's asynchronous calls (e.g. a {@link FencedWriter#write}), which bound
     * themselves; {@code timeout} is a backstop.
     */
    public <T> T join(String what, CompletableFuture<T> future, Duration timeout) {
        return join(what, future, new CallerRuns(), timeout, System.nanoTime());
    }

    private <T> T join(String what, CompletableFuture<T> future, CallerRuns caller, Duration timeout, long started) {
        try {
            T value = caller.await(future, Deadline.cappedNanos(timeout));
            answered();
            return value;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new KVStoreTimeoutException("etcd " + what + " did not complete within " + timeout
                    + (timeout.equals(requestTimeout) ? " (" + REQUEST_TIMEOUT_SETTING + ")" : "") + " (endpoints "
                    + endpoints + ")" + likelyDeadline(started), e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new KVStoreException("interrupted during etcd " + what + " (endpoints " + endpoints + ")", e);
        } catch (ExecutionException e) {
            throw translate(what, e.getCause(), started);
        }
    }

    /**
     * {@link #await} of a call that is safe to repeat, repeated with backoff while it fails in a way that may pass,
     * until the request timeout.
     */
    public <T> T awaitRepeatable(String what, Supplier<CompletableFuture<T>> call) {
        Deadline deadline = Deadline.after(requestTimeout);
        long backoff = FIRST_BACKOFF_MILLIS;
        while (true) {
            try {
                return await(what, call, Duration.ofNanos(Math.max(1, deadline.nanosLeft())));
            } catch (KVStoreException e) {
                if (!isTransient(e.getCause() == null ? e : e.getCause()) || e instanceof KVStoreTimeoutException
                        || deadline.nanosLeft() <= TimeUnit.MILLISECONDS.toNanos(backoff)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KVStoreException("interrupted during etcd " + what + " (endpoints " + endpoints + ")", e);
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    // --- asynchronous, for the gateway --------------------------------------------------------------------------

    /**
     * One attempt of a call, failing once the request timeout has passed (jetcd's deadline bounds each gRPC call
     * already; this also bounds what jetcd retries on its own), with a failure that says which limit it hit.
     */
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
        long started = System.nanoTime();
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return future.orTimeout(requestTimeout.toMillis() + CALL_SLACK_MILLIS, TimeUnit.MILLISECONDS)
                .handle((value, error) -> {
                    if (error == null) {
                        answered();
                        return CompletableFuture.completedFuture(value);
                    }
                    return CompletableFuture.<T>failedFuture(explained(AsyncFailure.cause(error), started));
                }).thenCompose(done -> done);
    }

    /**
     * @param call an etcd call that is safe to repeat (a read, a put of a fixed value, a conditional create)
     * @return its result, or its last failure once a failure is not transient or the request timeout passed
     */
    public <T> CompletableFuture<T> repeatable(Supplier<CompletableFuture<T>> call) {
        return repeatable(call, System.nanoTime() + requestTimeout.toNanos());
    }

    /** {@link #repeatable(Supplier)} until the given {@link System#nanoTime()} deadline. */
    public <T> CompletableFuture<T> repeatable(Supplier<CompletableFuture<T>> call, long deadlineNanos) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(call, deadlineNanos, FIRST_BACKOFF_MILLIS, result);
        return result;
    }

    private <T> void attempt(Supplier<CompletableFuture<T>> call, long deadlineNanos, long backoffMillis,
            CompletableFuture<T> result) {
        call(call).whenComplete((value, error) -> {
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

    /** @return an executor that runs its task after the delay */
    public static Executor later(long millis) {
        return CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS);
    }

    /** @return the failure, with the limit it hit and what sets it where etcd's message does not say */
    private Throwable explained(Throwable error, long started) {
        String message = String.valueOf(error.getMessage());
        if ((error instanceof TimeoutException && error.getMessage() == null)
                || statusCode(error) == Status.Code.DEADLINE_EXCEEDED) {
            return new TimeoutException("etcd " + endpoints + " did not answer within the request timeout of "
                    + requestTimeout + " (kvstore.etcd.request-timeout)" + likelyDeadline(started));
        }
        if (message.contains("request is too large")) {
            return new IllegalStateException("etcd refused a request past its size limit (etcd's --max-request-bytes, "
                    + "1.5 MiB by default; values kept in etcd, a gateway's too, are bounded by it, not by "
                    + "kvstore.tcp.server.max-store-size): " + message, error);
        }
        if (message.contains("database space exceeded")) {
            return new IllegalStateException("etcd is full (etcd's --quota-backend-bytes; a gateway's keys are "
                    + "bounded by it, not by kvstore.tcp.server.max-store-size): " + message, error);
        }
        return error;
    }

    // --- failures ------------------------------------------------------------------------------------------------

    private void answered() {
        lastAnswer = System.nanoTime();
    }

    /**
     * @return whether etcd answered some call of this access after {@code started}: then a call of that time that
     *     timed out was slow, not cut off
     */
    private boolean answeredSince(long started) {
        long last = lastAnswer;
        return last != 0 && last - started > 0;
    }

    /** Says that the deadline is the likely cause of a timeout when etcd answered other calls meanwhile. */
    private String likelyDeadline(long started) {
        return answeredSince(started) ? "; etcd answered other calls meanwhile, so the deadline is the likely cause: "
                + "raise " + REQUEST_TIMEOUT_SETTING + " (now " + requestTimeout + ")" : "";
    }

    /** Maps a jetcd or gRPC failure to the store's exceptions, by its status code. */
    public KVStoreException translate(String what, Throwable failure) {
        return translate(what, failure, System.nanoTime());
    }

    private KVStoreException translate(String what, Throwable failure, long started) {
        failure = AsyncFailure.cause(failure);
        if (failure instanceof KVStoreException known) {
            return known;
        }
        if (failure instanceof TimeoutException) { // what a FencedWriter gives up with
            return new KVStoreTimeoutException("etcd " + what + " failed at " + endpoints + ": "
                    + failure.getMessage(), failure);
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
            case DEADLINE_EXCEEDED -> new KVStoreTimeoutException("etcd " + what + " did not complete within "
                    + requestTimeout + " (" + REQUEST_TIMEOUT_SETTING + ", endpoints " + endpoints + "): "
                    + description + likelyDeadline(started), failure);
            // Worth retrying (waits do): the cluster or the connection may come back. PERMISSION_DENIED is not.
            case UNAVAILABLE, UNAUTHENTICATED, CANCELLED -> new KVStoreConnectionException(message, failure);
            // gRPC reports a connection that closes under a running call (e.g. a member dies) as UNKNOWN.
            case UNKNOWN -> isIoFailure(failure)
                    ? new KVStoreConnectionException(message, failure)
                    : new KVStoreException(message, failure);
            default -> new KVStoreException(message, failure);
        };
    }

    /** @return whether another attempt may succeed where this failure happened */
    public static boolean isTransient(Throwable failure) {
        Throwable cause = AsyncFailure.cause(failure);
        if (cause instanceof TimeoutException || cause instanceof KVStoreTimeoutException) {
            return false;
        }
        return !PERMANENT.contains(statusCode(cause)) && !isAuthenticationFailure(cause);
    }

    /** @return the gRPC status code of a jetcd or gRPC failure (UNKNOWN for anything else) */
    public static Status.Code statusCode(Throwable failure) {
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
    public static boolean isAuthenticationFailure(Throwable failure) {
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

    /**
     * jetcd's executor for its calls: the thread that makes a call issues it (jetcd's retries after a delay run on
     * Failsafe's timer). Nothing runs long here: issuing a gRPC call does not block.
     */
    private static final class SameThread extends AbstractExecutorService {

        private volatile boolean shutdown;

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
