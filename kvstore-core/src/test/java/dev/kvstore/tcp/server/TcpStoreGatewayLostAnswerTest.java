package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway whose etcd answers get lost, against a real etcd: a gRPC interceptor on the gateway's own etcd
 * connection drops the answer of one write transaction after etcd committed it, or holds the transaction back and
 * lets it reach etcd only after the gateway's next transaction was answered (a write that commits after the gateway
 * has looked for it). Whatever happened, the write is applied once and its reply is what the in-memory master
 * answers; the gateway's token keys are gone once it is idle and when it closes.
 */
@RequiresEtcd
class TcpStoreGatewayLostAnswerTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final GatewayFixture gateways = new GatewayFixture(etcd, "lost-answer");
    private final AnswerLosingInterceptor losing = new AnswerLosingInterceptor();

    @AfterEach
    void closeAll() throws Exception {
        gateways.close();
    }

    @Test
    void anAddWhoseCommittedAnswerIsLostIsAppliedOnce() throws Exception {
        WireConnection client = gateways.connect(gateways.gateway(losing));
        client.request(ADD).str("/counter").i64(5).send();
        assertThat(client.readI64()).isEqualTo(5);

        losing.loseNextAnswer();
        client.request(ADD).str("/counter").i64(5).send();
        assertThat(client.readI64()).isEqualTo(10);
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(stored("v//counter")).isEqualTo("10");
    }

    @Test
    void anAddThatCommitsOnlyAfterTheGatewayLookedForItIsAppliedOnce() throws Exception {
        WireConnection client = gateways.connect(gateways.gateway(losing));
        client.request(ADD).str("/counter").i64(5).send();
        assertThat(client.readI64()).isEqualTo(5);

        losing.holdNextUntilTheFollowingIsAnswered();
        client.request(ADD).str("/counter").i64(5).send();
        assertThat(client.readI64()).isEqualTo(10);
        assertThat(losing.released()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(stored("v//counter")).isEqualTo("10");
        client.request(ADD).str("/counter").i64(0).send();
        assertThat(client.readI64()).isEqualTo(10);
    }

    @Test
    void aDeleteWhoseCommittedAnswerIsLostStillRepliesThatItDeleted() throws Exception {
        WireConnection client = gateways.connect(gateways.gateway(losing));
        client.request(SET).str("/doomed").bytes(utf8("x")).send();
        client.request(GET).str("/doomed").send();
        assertThat(client.readString()).isEqualTo("x");

        losing.loseNextAnswer();
        client.request(DELETE_KEY).str("/doomed").send();
        assertThat(client.readI64()).isEqualTo(1);
        assertThat(losing.lost()).isEqualTo(1);
        assertThat(stored("v//doomed")).isNull();
        client.request(DELETE_KEY).str("/doomed").send();
        assertThat(client.readI64()).isZero();
    }

    @Test
    void tokenKeysAreDeletedOnceTheKeyIsIdleAndWhenTheGatewayCloses() throws Exception {
        TcpStoreServer gateway = gateways.gateway(losing);
        WireConnection client = gateways.connect(gateway);
        client.request(ADD).str("/idle").i64(1).send();
        assertThat(client.readI64()).isEqualTo(1);
        assertThat(count("w/")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> count("w/") == 0);

        for (int i = 0; i < 20; i++) {
            client.request(ADD).str("/busy-" + i).i64(1).send();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(client.readI64()).isEqualTo(1);
        }
        assertThat(count("w/")).isPositive();
        gateway.close();
        assertThat(count("w/")).isZero();
        assertThat(count("v/")).isEqualTo(21);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private String stored(String key) throws Exception {
        try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).build()) {
            var kvs = direct.jetcdClient().getKVClient()
                    .get(ByteSequence.from(gateways.prefix() + key, StandardCharsets.UTF_8)).get().getKvs();
            return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
        }
    }

    private long count(String under) throws Exception {
        try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).build()) {
            return direct.jetcdClient().getKVClient()
                    .get(ByteSequence.from(gateways.prefix() + under, StandardCharsets.UTF_8),
                            GetOption.builder().isPrefix(true).withCountOnly(true).build()).get().getCount();
        }
    }

    /**
     * Loses the answer of one etcd transaction (Txn) of the gateway: either after etcd committed it, or by holding
     * it back until the gateway's following transaction is answered and only then sending it to etcd.
     */
    static final class AnswerLosingInterceptor implements ClientInterceptor {

        private static final String TXN = "etcdserverpb.KV/Txn";

        private enum Mode { PASS, LOSE_ANSWER, HOLD }

        private final AtomicReference<Mode> next = new AtomicReference<>(Mode.PASS);
        private final AtomicInteger lost = new AtomicInteger();
        private final AtomicReference<HeldCall<?, ?>> held = new AtomicReference<>();
        private final CompletableFuture<Void> released = new CompletableFuture<>();

        void loseNextAnswer() {
            next.set(Mode.LOSE_ANSWER);
        }

        void holdNextUntilTheFollowingIsAnswered() {
            next.set(Mode.HOLD);
        }

        int lost() {
            return lost.get();
        }

        /** @return completes once the held transaction reached etcd and etcd answered it */
        CompletableFuture<Void> released() {
            return released;
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                Channel channel) {
            ClientCall<Q, A> call = channel.newCall(method, options);
            if (!TXN.equals(method.getFullMethodName())) {
                return call;
            }
            HeldCall<?, ?> waiting = held.getAndSet(null);
            if (waiting != null) {
                return new AnswerHeldBack<>(call, waiting);
            }
            Mode mode = next.getAndSet(Mode.PASS);
            return switch (mode) {
                case PASS -> call;
                case LOSE_ANSWER -> new AnswerDropped<>(call);
                case HOLD -> {
                    HeldCall<Q, A> hold = new HeldCall<>(call);
                    held.set(hold);
                    yield hold;
                }
            };
        }

        private static Status lostStatus() {
            return Status.UNAVAILABLE.withDescription("the answer was lost (AnswerLosingInterceptor)");
        }

        /** Goes to etcd; its answer is replaced by UNAVAILABLE. */
        private final class AnswerDropped<Q, A> extends ForwardingClientCall.SimpleForwardingClientCall<Q, A> {

            AnswerDropped(ClientCall<Q, A> call) {
                super(call);
            }

            @Override
            public void start(Listener<A> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onMessage(A message) {
                        // dropped
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        lost.incrementAndGet();
                        super.onClose(lostStatus(), new Metadata());
                    }
                }, headers);
            }
        }

        /** Fails at once with UNAVAILABLE; reaches etcd only when {@link #release()} is called. */
        private final class HeldCall<Q, A> extends FailedCall<Q, A> {

            private final ClientCall<Q, A> call;
            private final List<Q> messages = new ArrayList<>();
            private Metadata headers;

            HeldCall(ClientCall<Q, A> call) {
                super(lostStatus());
                this.call = call;
            }

            @Override
            public void start(Listener<A> listener, Metadata headers) {
                this.headers = headers;
                super.start(listener, headers);
            }

            @Override
            public void sendMessage(Q message) {
                messages.add(message);
            }

            /** Sends the held transaction to etcd now; {@link #released} completes when etcd answered. */
            CompletableFuture<Void> release() {
                call.start(new Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        released.complete(null);
                    }
                }, headers);
                messages.forEach(call::sendMessage);
                call.halfClose();
                call.request(1);
                return released;
            }
        }

        /** The transaction after a held one: when etcd answered it, the held one is sent, then the answer passed on. */
        private static final class AnswerHeldBack<Q, A> extends ForwardingClientCall.SimpleForwardingClientCall<Q, A> {

            private final HeldCall<?, ?> waiting;

            AnswerHeldBack(ClientCall<Q, A> call, HeldCall<?, ?> waiting) {
                super(call);
                this.waiting = waiting;
            }

            @Override
            public void start(Listener<A> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    private final List<A> answers = new ArrayList<>();

                    @Override
                    public void onMessage(A message) {
                        answers.add(message);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        waiting.release().whenComplete((done, error) -> {
                            answers.forEach(delegate()::onMessage);
                            delegate().onClose(status, trailers);
                        });
                    }
                }, headers);
            }
        }
    }
}
