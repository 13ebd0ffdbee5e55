package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.FreePorts;
import io.etcd.jetcd.ByteSequence;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A master that keeps its keys in a real etcd ({@code kvstore.tcp.server.store=etcd}): two such applications are
 * two gateways of one job, and the keys live under {@code kvstore.tcp.server.etcd-prefix} + namespace.
 */
@RequiresEtcd
class TcpGatewayTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final String namespace = "gateway-" + UUID.randomUUID();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class))
        .withPropertyValues("kvstore.tcp.master=true", "kvstore.tcp.port=0", "kvstore.namespace=" + this.namespace,
                "kvstore.tcp.server.store=etcd", "kvstore.etcd.endpoints=" + String.join(",", etcd.endpoints()));

    @Test
    void twoGatewayApplicationsServeTheSameKeysFromEtcd() {
        this.runner.run((first) -> this.runner.run((second) -> {
            ManagedKVStore one = first.getBean(ManagedKVStore.class);
            ManagedKVStore two = second.getBean(ManagedKVStore.class);
            assertThat(((TcpKVStore) one.delegate()).embeddedServer()).as("rank 0 hosts the gateway").isPresent();
            one.set("greeting", "through the first gateway");
            assertThat(two.get("greeting")).contains("through the first gateway");
            assertThat(two.add("counter", 2)).isEqualTo(2);
            assertThat(one.add("counter", 3)).isEqualTo(5);
            try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).build()) {
                long keys = direct.jetcdClient().getKVClient()
                    .get(ByteSequence.from("kvstore-tcpstore/" + this.namespace + "/v/", StandardCharsets.UTF_8),
                            io.etcd.jetcd.options.GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get().getCount();
                assertThat(keys).as("the keys live in etcd under the prefix").isGreaterThanOrEqualTo(2);
            }
        }));
    }

    @Test
    void etcdClientBuilderCustomizersApplyToTheGatewaysEtcdConnection() {
        AtomicInteger txns = new AtomicInteger();
        ClientInterceptor counting = new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                    Channel next) {
                if (method.getFullMethodName().equals("etcdserverpb.KV/Txn")) {
                    txns.incrementAndGet();
                }
                return next.newCall(method, options);
            }
        };
        this.runner.withBean(EtcdClientBuilderCustomizer.class, () -> (builder) -> builder.interceptor(counting))
            .run((context) -> {
                ManagedKVStore store = context.getBean(ManagedKVStore.class);
                int before = txns.get();
                assertThat(store.add("through-the-interceptor", 1)).isEqualTo(1);
                assertThat(txns.get()).as("the gateway's ADD is an etcd transaction through the customized client")
                    .isGreaterThan(before);
            });
    }

    @Test
    void anUnreachableEtcdFailsStartupNamingTheEtcdProperties() {
        this.runner.withPropertyValues("kvstore.etcd.endpoints=http://127.0.0.1:" + FreePorts.pick(),
                "kvstore.etcd.connect-timeout=1s")
            .run((context) -> {
                assertThat(context).as("the store starts in the lifecycle").hasNotFailed();
                assertThatExceptionOfType(KVStoreStartupException.class)
                    .isThrownBy(context.getBean(ManagedKVStore.class)::awaitStarted)
                    .satisfies((ex) -> assertThat(ex.description()).contains("etcd"))
                    .satisfies((ex) -> assertThat(ex.action()).contains("kvstore.etcd.endpoints"));
            });
    }

}
