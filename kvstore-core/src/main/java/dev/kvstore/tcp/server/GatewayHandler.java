package dev.kvstore.tcp.server;

import dev.kvstore.internal.DecimalText;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.server.spi.KeyChange;
import dev.kvstore.tcp.server.spi.KeyStorage;
import dev.kvstore.tcp.server.spi.KeyUpdate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Serves requests for one event loop against a {@link KeyStorage} (etcd, for one). The loop never waits for the
 * storage: a request starts its storage call and the answer comes back to the loop as a task. A connection's requests
 * run one after the other, so that its replies (and its writes) keep their order; other connections are served
 * meanwhile. A connection with many requests queued is not read until they drain.
 *
 * <p>Waits and WATCH_KEY watches are held in {@link KeyWaiters}, where no key is ever ready (the keys are in etcd): a
 * WAIT registers first and then reads its keys, and every change in etcd reaches the registry through the
 * storage's change feed, so a write through any gateway after the registration wakes it and one before it is seen by
 * the read: no wake-up is lost.
 */
final class GatewayHandler implements RequestHandler {

    /** Requests queued behind the running one past which the connection is not read. */
    static final int MAX_QUEUED_REQUESTS = 1024;

    private static final byte[] EMPTY = new byte[0];
    private static final CompletableFuture<Reply> NO_REPLY = CompletableFuture.completedFuture(client -> { });

    /** What a request sends back, applied on the loop thread once etcd answered. */
    @FunctionalInterface
    interface Reply {
        void to(Connection client) throws ProtocolViolation;
    }

    /** A connection's requests: the one running and those behind it. */
    private static final class Pipeline {
        final ArrayDeque<Request> queued = new ArrayDeque<>();
        long queuedBytes;
        boolean running;
        /** The client closed its side: close the connection once the requests it sent are answered. */
        boolean inputEnded;
    }

    private final StorageGateway gateway;
    private final KeyStorage storage;
    private final KeyWaiters waits;
    private final ServerLimits limits;
    private final Map<Connection, Pipeline> pipelines = new HashMap<>();
    private EventLoop loop;

    GatewayHandler(StorageGateway gateway, KeyWaiters waits, ServerLimits limits) {
        this.gateway = gateway;
        this.storage = gateway.storage();
        this.waits = waits;
        this.limits = limits;
    }

    @Override
    public void attach(EventLoop eventLoop) {
        this.loop = eventLoop;
        gateway.serveWith(this);
    }

    @Override
    public void handle(Connection client, Request request) throws ProtocolViolation {
        Pipeline pipeline = pipelines.computeIfAbsent(client, c -> new Pipeline());
        if (pipeline.running) {
            pipeline.queued.add(request);
            pipeline.queuedBytes += size(request);
            if (pipeline.queued.size() >= MAX_QUEUED_REQUESTS || pipeline.queuedBytes > limits.maxRequestBytes()) {
                client.holdReads(true);
            }
            return;
        }
        run(client, pipeline, request);
    }

    @Override
    public boolean repliesDue(Connection client) {
        Pipeline pipeline = pipelines.get(client);
        if (pipeline == null || !pipeline.running) {
            return false;
        }
        pipeline.inputEnded = true;
        return true;
    }

    @Override
    public void forget(Connection client) {
        pipelines.remove(client);
    }

    /** Runs the request and those queued behind it, until one has to wait for etcd. */
    private void run(Connection client, Pipeline pipeline, Request request) throws ProtocolViolation {
        while (request != null) {
            CompletableFuture<Reply> reply = serve(client, request);
            if (!reply.isDone()) {
                pipeline.running = true;
                reply.whenComplete((done, error) -> loop.submit(() -> completed(client, pipeline, done, error)));
                return;
            }
            reply.join().to(client);
            request = next(client, pipeline);
        }
    }

    private Request next(Connection client, Pipeline pipeline) {
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

    /** On the loop thread: the storage answered the connection's running request. */
    private void completed(Connection client, Pipeline pipeline, Reply reply, Throwable error) {
        if (!client.isOpen() || pipelines.get(client) != pipeline) {
            return;
        }
        try {
            if (error != null) {
                throw gateway.failed(error);
            }
            gateway.succeeded();
            reply.to(client);
            pipeline.running = false;
            run(client, pipeline, next(client, pipeline));
            if (pipeline.inputEnded && !pipeline.running) {
                loop.endOfInput(client);
            }
        } catch (ProtocolViolation violation) {
            loop.refuse(client, violation.reason(), violation.getMessage());
        }
    }

    private CompletableFuture<Reply> serve(Connection client, Request request) throws ProtocolViolation {
        String key = request.keys().isEmpty() ? null : request.key();
        byte[] wireKey = key == null ? EMPTY : WireKeys.toBytes(key);
        return switch (request.command()) {
            case VALIDATE -> {
                if (request.number() != Integer.toUnsignedLong(WireFormat.VALIDATE_MAGIC)) {
                    throw new ProtocolViolation("VALIDATE with wrong magic number 0x"
                            + Long.toHexString(request.number()));
                }
                yield NO_REPLY;
            }
            case PING -> now(c -> c.send(Replies.u32(request.number())));
            case SET -> reply(storage.set(wireKey, request.value(0)), done -> c -> { });
            case COMPARE_SET -> reply(storage.update(wireKey, compareSet(request.value(0), request.value(1))),
                    value -> c -> c.send(Replies.bytes(value)));
            case GET -> reply(storage.get(wireKey), value -> c -> {
                if (value == null) {
                    throw new ProtocolViolation("GET of missing key " + WireKeys.display(key)
                            + " (clients WAIT for a key before they GET it)");
                }
                c.send(Replies.bytes(value));
            });
            case ADD -> reply(storage.update(wireKey, add(key, request.number())),
                    sum -> c -> c.send(Replies.i64(sum)));
            case CHECK -> reply(storage.present(wireKeys(request.keys())), present -> c -> c.send(Replies.u8(
                    allTrue(present) ? ReplyCodes.READY : ReplyCodes.NOT_READY)));
            case WAIT -> {
                // Registered before the read: a write the read misses wakes it through the change feed.
                waits.await(client, request.keys());
                yield reply(storage.present(wireKeys(request.keys())), present -> c -> keysReady(request.keys(),
                        present));
            }
            case GETNUMKEYS -> reply(storage.count(), count -> c -> c.send(Replies.i64(count)));
            case DELETE_KEY -> reply(storage.delete(wireKey), deleted -> c -> c.send(Replies.i64(deleted ? 1 : 0)));
            case APPEND -> reply(storage.update(wireKey, append(key, request.value(0))), done -> c -> { });
            case MULTI_GET -> reply(storage.getAll(wireKeys(request.keys())), values -> c -> {
                int missing = values.indexOf(null);
                if (missing >= 0) {
                    throw new ProtocolViolation("MULTI_GET of missing key "
                            + WireKeys.display(request.keys().get(missing)));
                }
                c.send(Replies.bytesList(values));
            });
            case MULTI_SET -> reply(storage.setAll(wireKeys(request.keys()), request.values()), done -> c -> { });
            case CANCEL_WAIT -> now(c -> {
                waits.cancelWaits(c);
                c.send(Replies.u8(ReplyCodes.WAIT_CANCELED));
            });
            case QUEUE_PUSH -> reply(storage.queuePush(wireKey, request.value(0)), done -> c -> { });
            case QUEUE_POP -> reply(storage.queuePop(wireKey), pop -> c -> c.send(CommandHandler.queuePopReply(
                    new StoreState.QueuePop(pop.lengthBefore(), pop.item()))));
            case QUEUE_LEN -> reply(storage.queueLength(wireKey), length -> c -> c.send(Replies.i64(length)));
            case LIST_KEYS -> reply(storage.keys(), keys -> c -> c.send(Replies.keyList(wireStrings(keys))));
            case WATCH_KEY -> now(c -> {
                waits.watch(c, key);
                c.send(Replies.u8(ReplyCodes.KEY_CALLBACK_REGISTERED));
            });
            case EXT_IDENTIFY, EXT_WATCH_PREFIX, EXT_SET_EPHEMERAL -> throw new ProtocolViolation(request.command()
                    + " (the Java master's prefix watches and connection-owned keys) is not served by a gateway on "
                    + "etcd; use the in-memory master (kvstore.tcp.server.store=memory) for it");
        };
    }

    /** @return the reply the storage's answer makes, once it answered */
    private static <T> CompletableFuture<Reply> reply(CompletionStage<T> result, Function<T, Reply> reply) {
        return result.thenApply(reply).toCompletableFuture();
    }

    /** ADD as the in-memory store computes it ({@link StoreState#sum}). */
    private static KeyUpdate<Long> add(String key, long delta) {
        return current -> {
            long sum = refusing(() -> StoreState.sum(key, current, delta));
            return KeyUpdate.Result.set(DecimalText.format(sum), sum);
        };
    }

    /** COMPARE_SET: sets when the value is the expected one (an empty expectation matches a missing key). */
    private static KeyUpdate<byte[]> compareSet(byte[] expected, byte[] desired) {
        return current -> {
            if (current == null ? expected.length == 0 : Arrays.equals(current, expected)) {
                return KeyUpdate.Result.set(desired, desired);
            }
            return KeyUpdate.Result.unchanged(current == null ? expected : current);
        };
    }

    private KeyUpdate<Boolean> append(String key, byte[] data) {
        return current -> KeyUpdate.Result.set(current == null ? data
                : refusing(() -> StoreState.joined(key, current, data, limits)), Boolean.TRUE);
    }

    @FunctionalInterface
    private interface Check<T> {
        T get() throws ProtocolViolation;
    }

    private static <T> T refusing(Check<T> check) {
        try {
            return check.get();
        } catch (ProtocolViolation violation) {
            throw new RefusedUpdate(violation);
        }
    }

    private static List<byte[]> wireKeys(List<String> keys) {
        List<byte[]> bytes = new ArrayList<>(keys.size());
        for (String key : keys) {
            bytes.add(WireKeys.toBytes(key));
        }
        return bytes;
    }

    private static List<String> wireStrings(List<byte[]> keys) {
        List<String> strings = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            strings.add(WireKeys.fromBytes(key));
        }
        return strings;
    }

    private static boolean allTrue(boolean[] present) {
        for (boolean one : present) {
            if (!one) {
                return false;
            }
        }
        return true;
    }

    private void keysReady(List<String> keys, boolean[] present) {
        for (int i = 0; i < present.length; i++) {
            if (present[i]) {
                waits.keyReady(keys.get(i));
            }
        }
    }

    private static CompletableFuture<Reply> now(Reply reply) {
        return CompletableFuture.completedFuture(reply);
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

    /** From the storage (any thread): hands its changes to the loop. */
    void changed(List<KeyChange> changes) {
        loop.submit(() -> apply(changes));
    }

    /** On the loop thread: wakes the waits and notifies the watches the changes concern. */
    private void apply(List<KeyChange> changes) {
        for (KeyChange change : changes) {
            String key = WireKeys.fromBytes(change.key());
            byte[] old = change.previous();
            switch (change.type()) {
                case QUEUE_PUSHED -> waits.wakeOneWaiter(key);
                case SET -> {
                    waits.keyReady(key);
                    waits.notifyWatchers(old == null ? KeyWaiters.KEY_CREATED : KeyWaiters.KEY_UPDATED, key,
                            old == null ? EMPTY : old, change.value());
                }
                case DELETED -> waits.notifyWatchers(KeyWaiters.KEY_DELETED, key, old == null ? EMPTY : old, EMPTY);
            }
        }
    }

    /** From the storage (any thread): changes were missed; read again what the pending waits wait for. */
    void recheckWaits() {
        loop.submit(() -> {
            List<String> awaited = List.copyOf(new LinkedHashSet<>(waits.waitersByKey().keySet()));
            if (awaited.isEmpty()) {
                return;
            }
            storage.present(wireKeys(awaited)).whenComplete((present, error) -> {
                if (error != null) {
                    gateway.recheckFailed(error);
                } else {
                    loop.submit(() -> keysReady(awaited, present));
                }
            });
        });
    }
}
