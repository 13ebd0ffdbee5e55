package dev.kvstore.tcp.server;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * A gRPC call that never reaches the server: it fails with the given status as soon as it starts (on another thread,
 * as a real call's close arrives), for interceptors that cut a gateway's etcd connection in tests.
 */
class FailedCall<Q, A> extends ClientCall<Q, A> {

    private final Status status;

    FailedCall(Status status) {
        this.status = status;
    }

    @Override
    public void start(Listener<A> listener, Metadata headers) {
        CompletableFuture.runAsync(() -> listener.onClose(status, new Metadata()));
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
    }
}
