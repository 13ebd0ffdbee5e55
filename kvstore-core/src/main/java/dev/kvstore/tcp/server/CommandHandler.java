package dev.kvstore.tcp.server;

import dev.kvstore.internal.AsyncFailure;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one dispatch over the TCPStore protocol's commands, for every {@link ServerStore}: each command is a short
 * method that asks the store and queues its reply once the store answered. What ADD, COMPARE_SET and APPEND compute,
 * the VALIDATE check and the errors of missing keys are here, once. Called on the event-loop thread only, and never
 * blocks it; one per server, it outlives event-loop restarts.
 *
 * <p>The store in memory answers at once, and the reply is queued at once. A store outside the process (etcd) answers
 * later: the answer comes back to the loop as a task, and the connection's later requests wait in its
 * {@link Pipeline} meanwhile, so that its replies (and its writes) keep their order; other connections are served
 * meanwhile. A connection with many requests queued is not read until they drain.
 */
final class CommandHandler {

    /** Requests queued behind one the store has not answered yet, past which the connection is not read. */
    static final int MAX_QUEUED_REQUESTS = 1024;

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);

    /** What a command sends once the store answered; on the loop thread. */
    @FunctionalInterface
    private interface Reply<T> {
        void send(Connection client, Request request, T answer) throws ProtocolViolation;
    }

    /** A connection's requests behind one the store has not answered yet (only a store outside the process). */
    static final class Pipeline {
        final ArrayDeque<Request> queued = new ArrayDeque<>();
        long queuedBytes;
        boolean running;
        /** The client closed its side: close the connection once the requests it sent are answered. */
        boolean inputEnded;
    }

    private final ServerStore store;
    private final KeyWaiters waiters;
    private final @Nullable ExtensionCommands extensions;
    private final ServerLimits limits;
    /** Whether the store failed the last request it answered: logged once at WARN, and at INFO when it is back. */
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile @Nullable EventLoop loop;

    /** @param extensions the Java master's extension, {@code null} where it is refused (a store outside memory) */
    CommandHandler(ServerStore store, KeyWaiters waiters, @Nullable ExtensionCommands extensions,
            ServerLimits limits) {
        this.store = store;
        this.waiters = waiters;
        this.extensions = extensions;
        this.limits = limits;
    }

    /** The loop that calls this handler from now on (a new one after a loop restart). */
    void attach(EventLoop current) {
        this.loop = current;
    }

    /**
     * Serves one request of the client; its reply may be queued now or later, but replies go out in request order.
     *
     * @throws ProtocolViolation if the request cannot be served; the caller closes the connection
     */
    void handle(Connection client, Request request) throws ProtocolViolation {
        Pipeline pipeline = client.pipeline;
        if (pipeline != null && pipeline.running) {
            pipeline.queued.add(request);
            pipeline.queuedBytes += size(request);
            if (pipeline.queued.size() >= MAX_QUEUED_REQUESTS || pipeline.queuedBytes > limits.maxRequestBytes()) {
                client.holdReads(true);
            }
            return;
        }
        run(client, request);
    }

    /**
     * The client closed its side of the connection.
     *
     * @return whether replies to its requests are still due; {@link EventLoop#endOfInput} is called once they are sent
     */
    boolean repliesDue(Connection client) {
        Pipeline pipeline = client.pipeline;
        if (pipeline == null || !pipeline.running) {
            return false;
        }
        pipeline.inputEnded = true;
        return true;
    }

    /** The connection closed: forgets its waits, watches, queued requests and, in memory, what it owned. */
    void forget(Connection client) {
        waiters.forget(client);
        if (extensions != null) {
            extensions.forgotten(client);
        }
        client.pipeline = null;
    }

    /** Serves the request and those queued behind it, until one waits for the store. */
    private void run(Connection client, @Nullable Request request) throws ProtocolViolation {
        while (request != null) {
            if (serve(client, request)) {
                Pipeline pipeline = client.pipeline;
                if (pipeline == null) {
                    pipeline = new Pipeline();
                    client.pipeline = pipeline;
                }
                pipeline.running = true;
                return;
            }
            request = next(client);
        }
    }

    private @Nullable Request next(Connection client) {
        Pipeline pipeline = client.pipeline;
        if (pipeline == null) {
            return null;
        }
        Request next = pipeline.queued.poll();
        if (next != null) {
            pipeline.queuedBytes -= size(next);
        }
        if (!pipeline.inputEnded && pipeline.queued.size() < MAX_QUEUED_REQUESTS / 2
                && pipeline.queuedBytes <= limits.maxRequestBytes() / 2) {
            client.holdReads(false);
        }
        return next;
    }

    /** @return whether the request waits for the store's answer, which then sends its reply */
    private boolean serve(Connection client, Request request) throws ProtocolViolation {
        if (extensions != null) {
            extensions.requireNotWatching(client, request);
        }
        return switch (request.command()) {
            case VALIDATE -> validate(request);
            case PING -> {
                client.send(Replies.u32(request.number()));
                yield false;
            }
            case SET -> reply(client, request, store.set(request.key(), request.value(0)), CommandHandler::none);
            case COMPARE_SET -> compareSet(client, request);
            case GET -> reply(client, request, store.get(request.key()), CommandHandler::value);
            case ADD -> add(client, request);
            case CHECK -> reply(client, request, store.present(request.keys()), (c, r, present) ->
                    c.send(Replies.u8(allTrue(present) ? ReplyCodes.READY : ReplyCodes.NOT_READY)));
            case WAIT -> await(client, request);
            case GETNUMKEYS -> reply(client, request, store.count(), (c, r, count) -> c.send(Replies.i64(count)));
            case DELETE_KEY -> reply(client, request, store.delete(request.key()),
                    (c, r, deleted) -> c.send(Replies.i64(deleted ? 1 : 0)));
            case APPEND -> append(client, request);
            case MULTI_GET -> reply(client, request, store.getAll(request.keys()), CommandHandler::values);
            case MULTI_SET -> reply(client, request, store.setAll(request.keys(), request.values()),
                    CommandHandler::none);
            case CANCEL_WAIT -> {
                waiters.cancelWaits(client, ServerSnapshot.EndedWait.Outcome.CANCELLED);
                client.send(Replies.u8(ReplyCodes.WAIT_CANCELED));
                yield false;
            }
            case QUEUE_PUSH -> reply(client, request, store.queuePush(request.key(), request.value(0)),
                    CommandHandler::none);
            case QUEUE_POP -> reply(client, request, store.queuePop(request.key()), (c, r, popped) ->
                    c.send(queuePopReply(popped)));
            case QUEUE_LEN -> reply(client, request, store.queueLength(request.key()),
                    (c, r, length) -> c.send(Replies.i64(length)));
            case LIST_KEYS -> reply(client, request, store.keys(), (c, r, keys) -> c.send(Replies.keyList(keys)));
            case WATCH_KEY -> {
                waiters.watch(client, request.key());
                client.send(Replies.u8(ReplyCodes.KEY_CALLBACK_REGISTERED));
                yield false;
            }
            case EXT_IDENTIFY, EXT_WATCH_PREFIX, EXT_SET_EPHEMERAL -> extension(client, request);
        };
    }

    private static boolean validate(Request request) throws ProtocolViolation {
        if (request.number() != Integer.toUnsignedLong(WireFormat.VALIDATE_MAGIC)) {
            throw new ProtocolViolation("VALIDATE with wrong magic number 0x" + Long.toHexString(request.number()));
        }
        return false;
    }

    /** COMPARE_SET: sets when the value is the expected one (an empty expectation matches a missing key). */
    private boolean compareSet(Connection client, Request request) throws ProtocolViolation {
        byte[] expected = request.value(0);
        byte[] desired = request.value(1);
        return reply(client, request, store.update(request.key(), current -> {
            if (current == null ? expected.length == 0 : Arrays.equals(current, expected)) {
                return ServerStore.Update.Result.set(desired, desired);
            }
            return ServerStore.Update.Result.unchanged(current == null ? expected : current);
        }), (c, r, value) -> c.send(Replies.bytes(value)));
    }

    private boolean add(Connection client, Request request) throws ProtocolViolation {
        String key = request.key();
        long delta = request.number();
        return reply(client, request, store.update(key, current -> {
            long sum = refusing(() -> sum(key, current, delta));
            return ServerStore.Update.Result.set(DecimalText.format(sum), sum);
        }), (c, r, sum) -> c.send(Replies.i64(sum)));
    }

    private boolean append(Connection client, Request request) throws ProtocolViolation {
        String key = request.key();
        byte[] data = request.value(0);
        return reply(client, request, store.update(key, current -> ServerStore.Update.Result.set(
                current == null ? data : refusing(() -> joined(key, current, data)), Boolean.TRUE)),
                CommandHandler::none);
    }

    /**
     * WAIT: STOP_WAITING once every key is present. The wait is registered in the same step of the loop in which the
     * store is read: a write the read misses reaches the loop after it, and wakes the wait.
     */
    private boolean await(Connection client, Request request) throws ProtocolViolation {
        List<String> keys = request.keys();
        CompletableFuture<boolean[]> present = store.present(keys).toCompletableFuture();
        if (present.isDone()) {
            waiters.await(client, keys, now(present));
            return false;
        }
        KeyWaiters.Waiter waiter = waiters.await(client, keys, null);
        if (waiter == null) {
            return false;
        }
        return reply(client, request, present, (c, r, answer) -> waiters.resolve(waiter, keys, answer));
    }

    private boolean extension(Connection client, Request request) throws ProtocolViolation {
        if (extensions == null) {
            throw new ProtocolViolation(request.command() + " (the Java master's prefix watches and connection-owned "
                    + "keys) is not served by a gateway on etcd; use the in-memory master "
                    + "(kvstore.tcp.server.store=memory) for it");
        }
        extensions.handle(client, request);
        return false;
    }

    private static void none(Connection client, Request request, @Nullable Object answer) {
    }

    private static void value(Connection client, Request request, byte @Nullable [] value) throws ProtocolViolation {
        if (value == null) {
            throw new ProtocolViolation("GET of missing key " + WireKeys.display(request.key())
                    + " (clients WAIT for a key before they GET it)");
        }
        client.send(Replies.bytes(value));
    }

    private static void values(Connection client, Request request, List<byte @Nullable []> values)
            throws ProtocolViolation {
        int missing = values.indexOf(null);
        if (missing >= 0) {
            throw new ProtocolViolation("MULTI_GET of missing key " + WireKeys.display(request.keys().get(missing)));
        }
        client.send(Replies.bytesList(values));
    }

    /** QUEUE_POP: the length before the pop, then the popped value unless the queue was empty. */
    private static ByteBuffer[] queuePopReply(ServerStore.Popped pop) {
        byte[] item = pop.item();
        if (item == null) {
            return new ByteBuffer[] {Replies.i64(pop.lengthBefore())};
        }
        ByteBuffer[] value = Replies.bytes(item);
        return new ByteBuffer[] {Replies.i64(pop.lengthBefore()), value[0], value[1]};
    }

    /**
     * The ADD rule: the stored decimal number (missing counts as 0) plus the delta.
     *
     * @throws ProtocolViolation if the stored value is no number or the sum overflows
     */
    static long sum(String key, byte @Nullable [] current, long delta) throws ProtocolViolation {
        if (current == null) {
            return delta;
        }
        long stored = DecimalText.parse(current).orElseThrow(() -> new ProtocolViolation(
                "ADD to " + WireKeys.display(key) + " whose value is not a decimal number: "
                        + WireKeys.displayValue(current)));
        try {
            return Math.addExact(stored, delta);
        } catch (ArithmeticException e) {
            throw new ProtocolViolation("ADD of " + delta + " to " + WireKeys.display(key) + " (" + stored
                    + ") overflows a signed 64-bit number");
        }
    }

    /** The APPEND rule: the value with the data appended, within {@code maxValueBytes}. */
    private byte[] joined(String key, byte[] current, byte[] data) throws ProtocolViolation {
        if (current.length + (long) data.length > limits.maxValueBytes()) {
            throw new ProtocolViolation(Refusal.OVERSIZE, "APPEND to " + WireKeys.display(key)
                    + " would make its value " + (current.length + (long) data.length)
                    + " bytes long, past the limit of " + limits.maxValueBytes());
        }
        byte[] joined = Arrays.copyOf(current, current.length + data.length);
        System.arraycopy(data, 0, joined, current.length, data.length);
        return joined;
    }

    /**
     * Sends the reply the store's answer makes: at once if the store answered already (in memory, always), else when
     * it answers, on the loop.
     *
     * @return whether the request waits for the store's answer
     */
    private <T> boolean reply(Connection client, Request request, CompletionStage<T> answer, Reply<T> reply)
            throws ProtocolViolation {
        CompletableFuture<T> future = answer.toCompletableFuture();
        if (future.isDone()) {
            reply.send(client, request, now(future));
            return false;
        }
        future.whenComplete((value, error) -> {
            EventLoop current = loop;
            if (current != null) {
                current.submit(() -> answered(client, request, reply, value, error));
            }
        });
        return true;
    }

    /** On the loop thread: the store answered the connection's running request; its queued ones go on. */
    private <T> void answered(Connection client, Request request, Reply<T> reply, @Nullable T value,
            @Nullable Throwable error) {
        Pipeline pipeline = client.pipeline;
        EventLoop current = loop;
        if (!client.isOpen() || pipeline == null || !pipeline.running || current == null) {
            return; // closed meanwhile
        }
        try {
            if (error != null) {
                throw failed(error);
            }
            if (failing.get() && failing.compareAndSet(true, false)) {
                log.info("TCPStore server: its store ({}) serves requests again", store);
            }
            reply.send(client, request, value);
            pipeline.running = false;
            run(client, next(client));
            if (pipeline.inputEnded && !pipeline.running) {
                current.endOfInput(client);
            }
        } catch (ProtocolViolation violation) {
            current.refuse(client, violation.reason(), violation.getMessage());
        }
    }

    /** @return the answer of a completed stage; its failure as the refusal that closes the connection */
    private <T> T now(CompletableFuture<T> done) throws ProtocolViolation {
        try {
            return done.join();
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    /**
     * @return what the connection whose request failed is closed for: the refusal the request itself earned, or the
     *     store's failure (logged at WARN when the store starts failing)
     */
    private ProtocolViolation failed(Throwable error) {
        Throwable cause = AsyncFailure.cause(error);
        if (cause instanceof RefusedUpdate refused) {
            return refused.violation();
        }
        if (cause instanceof ProtocolViolation violation) {
            return violation;
        }
        if (failing.compareAndSet(false, true)) {
            log.warn("TCPStore server: its store ({}) failed a request ({}); the connections whose requests fail are "
                    + "closed until it answers again", store, cause.toString());
        }
        return new ProtocolViolation(Refusal.STORE_UNAVAILABLE, "the store (" + store + ") did not serve the "
                + "request: " + cause);
    }

    @FunctionalInterface
    private interface Check<T> {
        T get() throws ProtocolViolation;
    }

    /** @return what the check computes; its refusal thrown unchecked, so that the store fails the update with it */
    private static <T> T refusing(Check<T> check) {
        try {
            return check.get();
        } catch (ProtocolViolation violation) {
            throw new RefusedUpdate(violation);
        }
    }

    private static boolean allTrue(boolean[] present) {
        for (boolean one : present) {
            if (!one) {
                return false;
            }
        }
        return true;
    }

    private static long size(Request request) {
        long size = 64;
        for (String key : request.keys()) {
            size += key.length();
        }
        for (byte[] value : request.values()) {
            size += value.length;
        }
        return size;
    }
}
