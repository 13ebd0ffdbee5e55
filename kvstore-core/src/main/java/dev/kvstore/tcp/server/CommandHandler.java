package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.List;

/** Serves one parsed request against the store and queues its reply. */
final class CommandHandler implements RequestHandler {

    private final StoreState store;
    private final ExtensionCommands extensions;

    CommandHandler(StoreState store, ExtensionCommands extensions) {
        this.store = store;
        this.extensions = extensions;
    }

    @Override
    public void handle(Connection client, Request request) throws ProtocolViolation {
        extensions.requireNotWatching(client, request);
        switch (request.command()) {
            case VALIDATE -> {
                if (request.number() != Integer.toUnsignedLong(WireFormat.VALIDATE_MAGIC)) {
                    throw new ProtocolViolation("VALIDATE with wrong magic number 0x"
                            + Long.toHexString(request.number()));
                }
            }
            case PING -> client.send(Replies.u32(request.number()));
            case SET -> store.set(request.key(), request.value(0));
            case COMPARE_SET -> client.send(Replies.bytes(
                    store.compareSet(request.key(), request.value(0), request.value(1))));
            case GET -> {
                byte[] value = store.get(request.key());
                if (value == null) {
                    throw new ProtocolViolation("GET of missing key " + WireKeys.display(request.key())
                            + " (clients WAIT for a key before they GET it)");
                }
                client.send(Replies.bytes(value));
            }
            case ADD -> client.send(Replies.i64(store.add(request.key(), request.number())));
            case CHECK -> client.send(
                    Replies.u8(store.check(request.keys()) ? ReplyCodes.READY : ReplyCodes.NOT_READY));
            case WAIT -> store.waiters().await(client, request.keys());
            case GETNUMKEYS -> client.send(Replies.i64(store.numKeys()));
            case DELETE_KEY -> client.send(Replies.i64(store.delete(request.key())));
            case APPEND -> store.append(request.key(), request.value(0));
            case MULTI_GET -> {
                List<byte[]> values = store.multiGet(request.keys());
                if (values == null) {
                    throw new ProtocolViolation("MULTI_GET of missing key "
                            + WireKeys.display(store.firstMissing(request.keys())));
                }
                client.send(Replies.bytesList(values));
            }
            case MULTI_SET -> store.multiSet(request.keys(), request.values());
            case CANCEL_WAIT -> {
                store.waiters().cancelWaits(client);
                client.send(Replies.u8(ReplyCodes.WAIT_CANCELED));
            }
            case QUEUE_PUSH -> store.queuePush(request.key(), request.value(0));
            case QUEUE_POP -> {
                client.send(queuePopReply(store.queuePop(request.key())));
            }
            case QUEUE_LEN -> client.send(Replies.i64(store.queueLength(request.key())));
            case LIST_KEYS -> client.send(Replies.keyList(store.listKeys()));
            case WATCH_KEY -> {
                store.waiters().watch(client, request.key());
                client.send(Replies.u8(ReplyCodes.KEY_CALLBACK_REGISTERED));
            }
            case EXT_IDENTIFY, EXT_WATCH_PREFIX, EXT_SET_EPHEMERAL -> extensions.handle(client, request);
        }
    }

    /** QUEUE_POP: the length before the pop, then the popped value unless the queue was empty. */
    static ByteBuffer[] queuePopReply(StoreState.QueuePop pop) {
        if (pop.value() == null) {
            return new ByteBuffer[] {Replies.i64(pop.lengthBefore())};
        }
        ByteBuffer[] value = Replies.bytes(pop.value());
        return new ByteBuffer[] {Replies.i64(pop.lengthBefore()), value[0], value[1]};
    }
}
