package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestScope;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code build()}'s first connection: it keeps trying within the connect timeout, so an etcd that starts after the
 * store (two gateways and etcd started together on a loaded machine) is found; and a request timeout too short for a
 * healthy etcd is named as the cause, by its type and its message, not reported as an unreachable etcd.
 */
@RequiresEtcd
class EtcdKVStoreConnectTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RegisterExtension
    final TestScope test = new TestScope("connect");

    @Test
    void theFirstConnectionFindsAnEtcdThatStartsAfterTheStore() throws Exception {
        EtcdServer.Member member = EtcdServer.Member.onFreePorts("late");
        try (EtcdServer late = EtcdServer.create(member, List.of(member), "late-" + System.nanoTime(),
                EtcdServer.FAST_ELECTIONS)) {
            FailedCalls failed = new FailedCalls();
            Future<EtcdKVStore> connecting = test.pool().submit(() -> EtcdKVStore.builder()
                    .endpoints(member.clientUrl()).namespace(test.namespace()).connectTimeout(Duration.ofSeconds(60))
                    .requestTimeout(Duration.ofSeconds(2))
                    .customizeClient(client -> client.interceptor(failed)).build());
            await().atMost(Duration.ofSeconds(30)).until(() -> failed.count() > 0);
            assertThat(connecting).isNotDone();

            late.start(EtcdServer.START_TIMEOUT);
            EtcdKVStore store = test.track(connecting.get(60, TimeUnit.SECONDS));
            store.set("k", "v");
            assertThat(store.get("k")).contains("v");
        }
    }

    @Test
    void aRequestTimeoutTooShortForAHealthyEtcdIsNamedAsTheCause() {
        assertThatThrownBy(() -> test.track(EtcdKVStore.builder().endpoints(etcd.endpoints())
                .namespace(test.namespace()).requestTimeout(Duration.ofNanos(1)).connectTimeout(Duration.ofSeconds(10))
                .build()))
                .isInstanceOf(RequestTimeoutTooShortException.class)
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("answers, but")
                .hasMessageContaining(
                        "request timeout of PT0.000000001S (requestTimeout, kvstore.etcd.request-timeout)")
                .hasMessageContaining("likely cause")
                .hasMessageNotContaining("is etcd running");
    }

    /** Counts the etcd calls that ended with a failure (the connection checks while etcd is not up yet). */
    private static final class FailedCalls implements ClientInterceptor {

        private final AtomicInteger failed = new AtomicInteger();

        int count() {
            return failed.get();
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                Channel channel) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(channel.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            if (!status.isOk()) {
                                failed.incrementAndGet();
                            }
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }
    }
}
