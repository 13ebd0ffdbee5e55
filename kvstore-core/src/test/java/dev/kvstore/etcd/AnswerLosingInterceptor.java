package dev.kvstore.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gRPC interceptor on an etcd client (a store's or a gateway's) that loses the answer of its next etcd transaction
 * (Txn): either after etcd committed it, or by holding it back until the client's following transaction is answered
 * and only then sending it to etcd (a write that commits after its writer looked for it).
 */
public final class AnswerLosingInterceptor implements ClientInterceptor {

    private static final String TXN = "etcdserverpb.KV/Txn";

    private enum Mode { PASS, LOSE_ANSWER, HOLD }

    private final AtomicReference<Mode> next = new AtomicReference<>(Mode.PASS);
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicReference<HeldCall<?, ?>> held = new AtomicReference<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    /** The next transaction reaches etcd; its answer is replaced by UNAVAILABLE. */
    public void loseNextAnswer() {
        next.set(Mode.LOSE_ANSWER);
    }

    /** The next transaction fails at once, and reaches etcd only once the one after it was answered. */
    public void holdNextUntilTheFollowingIsAnswered() {
        next.set(Mode.HOLD);
    }

    /** @return how many answers were lost */
    public int lost() {
        return lost.get();
    }

    /** @return completes once the held transaction reached etcd and etcd answered it */
    public CompletableFuture<Void> released() {
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

    /** Fails at once with UNAVAILABLE (on another thread, as a real call's close arrives); reaches etcd only when
     * {@link #release()} is called. */
    private final class HeldCall<Q, A> extends ClientCall<Q, A> {

        private final ClientCall<Q, A> call;
        private final List<Q> messages = new ArrayList<>();
        private Metadata headers;

        HeldCall(ClientCall<Q, A> call) {
            this.call = call;
        }

        @Override
        public void start(Listener<A> listener, Metadata headers) {
            this.headers = headers;
            CompletableFuture.runAsync(() -> listener.onClose(lostStatus(), new Metadata()));
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void cancel(String message, Throwable cause) {
        }

        @Override
        public void halfClose() {
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
