package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.Generation;
import dev.kvstore.tcp.protocol.ReplyCodes;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Serves requests for one event loop against etcd ({@link GatewayStorage}). The loop never waits for etcd: a request
 * starts its etcd call and the answer comes back to the loop as a task. A connection's requests run one after the
 * other, so that its replies (and its writes) keep their order; other connections are served meanwhile. A
 * connection with many requests queued is not read until they drain.
 *
 * <p>Waits and WATCH_KEY watches are held in a {@link StoreState} used as a registry only (it stores no values): a
 * WAIT registers first and then reads its keys, and every change in etcd reaches the registry through the
 * gateway's one watch, so a write through any gateway after the registration wakes it and one before it is seen by
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

    private final EtcdGateway gateway;
    private final GatewayStorage storage;
    private final StoreState waits;
    private final ServerLimits limits;
    private final Map<Connection, Pipeline> pipelines = new HashMap<>();
    private EventLoop loop;

    GatewayHandler(EtcdGateway gateway, StoreState waits, ServerLimits limits) {
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

    /** On the loop thread: etcd answered the connection's running request. */
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
        return switch (request.command()) {
            case VALIDATE -> {
                if (request.number() != Integer.toUnsignedLong(Generation.VALIDATE_MAGIC)) {
                    throw new ProtocolViolation("VALIDATE with wrong magic number 0x"
                            + Long.toHexString(request.number()));
                }
                yield NO_REPLY;
            }
            case PING -> now(c -> c.send(Replies.u32(request.number())));
            case SET -> storage.set(key, request.value(0)).thenApply(done -> c -> { });
            case COMPARE_SET -> storage.compareSet(key, request.value(0), request.value(1))
                    .thenApply(value -> c -> c.send(Replies.bytes(value)));
            case GET -> storage.get(key).thenApply(value -> c -> {
                if (value == null) {
                    throw new ProtocolViolation("GET of missing key " + WireKeys.display(key)
                            + " (clients WAIT for a key before they GET it)");
                }
                c.send(Replies.bytes(value));
            });
            case ADD -> storage.add(key, request.number()).thenApply(sum -> c -> c.send(Replies.i64(sum)));
            case CHECK -> storage.readyKeys(request.keys()).thenApply(ready -> c -> c.send(Replies.u8(
                    ready.containsAll(request.keys()) ? ReplyCodes.READY : ReplyCodes.NOT_READY)));
            case WAIT -> {
                // Registered before the read: a write the read misses wakes it through the watch.
                waits.await(client, request.keys());
                yield storage.readyKeys(request.keys()).thenApply(ready -> c -> ready.forEach(waits::keyReady));
            }
            case GETNUMKEYS -> storage.numKeys().thenApply(count -> c -> c.send(Replies.i64(count)));
            case DELETE_KEY -> storage.delete(key).thenApply(deleted -> c -> c.send(Replies.i64(deleted)));
            case APPEND -> storage.append(key, request.value(0)).thenApply(done -> c -> { });
            case MULTI_GET -> storage.multiGet(request.keys()).thenApply(values -> c -> {
                int missing = values.indexOf(null);
                if (missing >= 0) {
                    throw new ProtocolViolation("MULTI_GET of missing key "
                            + WireKeys.display(request.keys().get(missing)));
                }
                c.send(Replies.bytesList(values));
            });
            case MULTI_SET -> storage.multiSet(request.keys(), request.values()).thenApply(done -> c -> { });
            case CANCEL_WAIT -> now(c -> {
                waits.cancelWaits(c);
                c.send(Replies.u8(ReplyCodes.WAIT_CANCELED));
            });
            case QUEUE_PUSH -> storage.queuePush(key, request.value(0)).thenApply(done -> c -> { });
            case QUEUE_POP -> storage.queuePop(key).thenApply(pop -> c -> c.send(CommandHandler.queuePopReply(pop)));
            case QUEUE_LEN -> storage.queueLength(key).thenApply(length -> c -> c.send(Replies.i64(length)));
            case LIST_KEYS -> storage.listKeys().thenApply(keys -> c -> c.send(Replies.keyList(keys)));
            case WATCH_KEY -> now(c -> {
                waits.watch(c, key);
                c.send(Replies.u8(ReplyCodes.KEY_CALLBACK_REGISTERED));
            });
            case EXT_IDENTIFY, EXT_WATCH_PREFIX, EXT_SET_EPHEMERAL -> throw new ProtocolViolation(request.command()
                    + " (the Java master's prefix watches and connection-owned keys) is not served by a gateway on "
                    + "etcd; use the in-memory master (kvstore.tcp.server.store=memory) for it");
        };
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

    /** From the gateway's watch (any thread): hands etcd's changes to the loop. */
    void changed(List<WatchEvent> events) {
        loop.submit(() -> apply(events));
    }

    /** On the loop thread: wakes the waits and notifies the watches the changes concern. */
    private void apply(List<WatchEvent> events) {
        GatewayKeys keys = storage.keys();
        for (WatchEvent event : events) {
            KeyValue changed = event.getKeyValue();
            GatewayKeys.Kind kind = keys.kind(changed.getKey());
            boolean put = event.getEventType() == WatchEvent.EventType.PUT;
            if (kind == GatewayKeys.Kind.QUEUE_ITEM && put) {
                waits.wakeOneWaiter(keys.wireKey(changed.getKey()));
            } else if (kind == GatewayKeys.Kind.VALUE) {
                String key = keys.wireKey(changed.getKey());
                KeyValue previous = event.getPrevKV();
                byte[] old = previous == null || previous.getVersion() == 0 ? null : previous.getValue().getBytes();
                if (put) {
                    waits.keyReady(key);
                    waits.notifyWatchers(old == null ? StoreState.KEY_CREATED : StoreState.KEY_UPDATED, key,
                            old == null ? EMPTY : old, changed.getValue().getBytes());
                } else {
                    waits.notifyWatchers(StoreState.KEY_DELETED, key, old == null ? EMPTY : old, EMPTY);
                }
            }
        }
    }

    /** From the gateway's watch (any thread): changes were lost; read again what the pending waits wait for. */
    void recheckWaits() {
        loop.submit(() -> {
            List<String> awaited = List.copyOf(new LinkedHashSet<>(waits.waitersByKey().keySet()));
            if (awaited.isEmpty()) {
                return;
            }
            storage.readyKeys(awaited).whenComplete((ready, error) -> {
                if (error != null) {
                    gateway.recheckFailed(error);
                } else {
                    loop.submit(() -> ready.forEach(waits::keyReady));
                }
            });
        });
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
