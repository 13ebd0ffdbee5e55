package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GETNUMKEYS;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway whose etcd watch is down (a gRPC interceptor on its own etcd connection cancels the watch stream and
 * refuses new ones) while its reads still work, against a real etcd: its pending waits are still woken by a key set
 * through another gateway, by the gateway's periodic re-read.
 */
@RequiresEtcd
class TcpStoreGatewayWatchDownTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final GatewayFixture gateways = new GatewayFixture(etcd, "watch-down");

    @AfterEach
    void closeAll() throws Exception {
        gateways.close();
    }

    @Test
    void aWaitIsWokenWhileTheGatewaysWatchIsDown() throws Exception {
        WatchBreaker breaker = new WatchBreaker();
        TcpStoreServer blind = gateways.gateway(breaker);
        TcpStoreServer other = gateways.gateway();
        WireConnection waiter = gateways.connect(blind);
        waiter.request(WAIT).keys("/late").send();
        await().atMost(Duration.ofSeconds(10)).until(() -> blind.waiterCount() == 1);

        breaker.breakWatches();
        await().atMost(Duration.ofSeconds(10)).until(() -> breaker.refused() > 0 || breaker.cancelled() > 0);
        WireConnection writer = gateways.connect(other);
        writer.request(SET).str("/late").bytes("now".getBytes(StandardCharsets.UTF_8)).send();
        writer.request(GETNUMKEYS).send();
        assertThat(writer.readI64()).isEqualTo(1);

        long before = System.nanoTime();
        assertThat(waiter.readU8()).isEqualTo(ReplyCodes.STOP_WAITING);
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
        assertThat(breaker.isDown()).isTrue();
        assertThat(blind.waiterCount()).isZero();
    }

    /** Cancels the etcd watch streams of the connection it is on, and while down fails every new one at once. */
    static final class WatchBreaker implements ClientInterceptor {

        private static final String WATCH = "etcdserverpb.Watch/Watch";

        private final AtomicBoolean down = new AtomicBoolean();
        private final AtomicInteger refused = new AtomicInteger();
        private final AtomicInteger cancelled = new AtomicInteger();
        private final Set<ClientCall<?, ?>> open = ConcurrentHashMap.newKeySet();

        void breakWatches() {
            down.set(true);
            for (ClientCall<?, ?> call : open) {
                cancelled.incrementAndGet();
                call.cancel("the watch is broken by the test (WatchBreaker)", null);
            }
        }

        boolean isDown() {
            return down.get();
        }

        int refused() {
            return refused.get();
        }

        int cancelled() {
            return cancelled.get();
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                Channel channel) {
            if (!WATCH.equals(method.getFullMethodName())) {
                return channel.newCall(method, options);
            }
            if (down.get()) {
                refused.incrementAndGet();
                return new FailedCall<>(Status.UNAVAILABLE.withDescription("the watch is down (WatchBreaker)"));
            }
            ClientCall<Q, A> call = channel.newCall(method, options);
            open.add(call);
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void cancel(String message, Throwable cause) {
                    open.remove(call);
                    super.cancel(message, cause);
                }
            };
        }
    }
}
