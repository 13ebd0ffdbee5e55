package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.DELETE_KEY;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.etcd.AnswerLosingInterceptor;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
}
