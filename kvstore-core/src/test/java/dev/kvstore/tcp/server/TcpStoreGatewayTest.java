package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.ADD;
import static dev.kvstore.tcp.protocol.wire.Command.APPEND;
import static dev.kvstore.tcp.protocol.wire.Command.CHECK;
import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.GETNUMKEYS;
import static dev.kvstore.tcp.protocol.wire.Command.MULTI_SET;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_LEN;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_POP;
import static dev.kvstore.tcp.protocol.wire.Command.QUEUE_PUSH;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.CapturedLog;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two TCPStore gateways on one real etcd, serving one job: waits through one woken by writes through the other,
 * ADD atomic across them under contention, queues shared, and a gateway closed mid-job losing nothing.
 */
@RequiresEtcd
class TcpStoreGatewayTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @RegisterExtension
    final CapturedLog serverLog = new CapturedLog(TcpStoreServer.class);

    private final String prefix = "gateway-test/" + UUID.randomUUID() + "/";
    private final List<TcpStoreServer> servers = new ArrayList<>();
    private final List<WireConnection> connections = new ArrayList<>();

    @AfterEach
    void stopAll() {
        connections.forEach(WireConnection::close);
        servers.forEach(TcpStoreServer::close);
    }

    private TcpStoreServer gateway() {
        TcpStoreServer server = TcpStoreServer.builder().port(0)
                .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(etcd.endpoints())
                        .requestTimeout(Duration.ofSeconds(5)), prefix))
                .build().start();
        servers.add(server);
        return server;
    }

    private WireConnection connect(TcpStoreServer server) throws IOException {
        WireConnection connection = WireConnection.open(server.port(), TcpProtocol.MODERN);
        connections.add(connection);
        return connection;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void waitsThroughOneGatewayAreWokenByEveryKindOfWriteThroughTheOther() throws Exception {
        TcpStoreServer a = gateway();
        TcpStoreServer b = gateway();
        WireConnection waiter = connect(a);
        WireConnection writer = connect(b);

        String[] kinds = {"set", "add", "append", "multi-set", "queue"};
        for (String kind : kinds) {
            waiter.request(WAIT).keys("/" + kind).send();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.waiterCount() == kinds.length);
        writer.request(SET).str("/set").bytes(utf8("1")).send();
        writer.request(ADD).str("/add").i64(1).send();
        assertThat(writer.readI64()).isEqualTo(1);
        writer.request(APPEND).str("/append").bytes(utf8("x")).send();
        writer.request(MULTI_SET).i64(1).str("/multi-set").bytes(utf8("m")).send();
        writer.request(QUEUE_PUSH).str("/queue").bytes(utf8("item")).send();
        for (int i = 0; i < kinds.length; i++) {
            assertThat(waiter.readU8()).isEqualTo(ReplyCodes.STOP_WAITING);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.waiterCount() == 0);

        // What was written through b is there through a, queue included.
        waiter.request(GET).str("/append").send();
        assertThat(waiter.readString()).isEqualTo("x");
        waiter.request(CHECK).keys("/set", "/add", "/multi-set", "/queue").send();
        assertThat(waiter.readU8()).isEqualTo(ReplyCodes.READY);
        waiter.request(QUEUE_LEN).str("/queue").send();
        assertThat(waiter.readI64()).isEqualTo(1);
        waiter.request(QUEUE_POP).str("/queue").send();
        assertThat(waiter.readI64()).isEqualTo(1);
        assertThat(waiter.readString()).isEqualTo("item");
        writer.request(QUEUE_LEN).str("/queue").send();
        assertThat(writer.readI64()).isZero();
        writer.request(GETNUMKEYS).send();
        assertThat(writer.readI64()).isEqualTo(4);
    }

    /** PyTorch's protocol probes send a request and close their side: the reply etcd gives later still goes out. */
    @Test
    void aClientThatClosesItsSideGetsTheReplyToWhatItSent() throws Exception {
        TcpStoreServer a = gateway();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", a.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(GETNUMKEYS.opcode(TcpProtocol.LEGACY));
            socket.shutdownOutput();
            byte[] reply = socket.getInputStream().readNBytes(9);
            assertThat(reply).as("GETNUMKEYS's i64, then the close").hasSize(8);
        }
    }

    @Test
    void addsOf2048RanksThroughTwoGatewaysToOneCounterAreAtomic() throws Exception {
        List<TcpStoreServer> gateways = List.of(gateway(), gateway());
        int clients = 128;
        int addsEach = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                WireConnection connection = connect(gateways.get(c % 2));
                results.add(pool.submit(() -> {
                    List<Long> sums = new ArrayList<>();
                    for (int i = 0; i < addsEach; i++) {
                        connection.request(ADD).str("/counter").i64(1).send();
                        sums.add(connection.readI64());
                    }
                    return sums;
                }));
            }
            Set<Long> seen = new HashSet<>();
            for (Future<List<Long>> result : results) {
                seen.addAll(result.get(120, TimeUnit.SECONDS));
            }
            // Every add saw a distinct count: none lost, none applied twice.
            assertThat(seen).hasSize(clients * addsEach).allMatch(sum -> sum >= 1 && sum <= clients * addsEach);
        } finally {
            pool.shutdownNow();
        }
        WireConnection reader = connect(gateways.get(1));
        reader.request(GET).str("/counter").send();
        assertThat(reader.readString()).isEqualTo(String.valueOf(clients * addsEach));
    }

    /** A hung etcd costs the connection whose request it does not answer, within the request timeout; no hang. */
    @Test
    void anEtcdThatDoesNotAnswerClosesTheRequestingConnectionAndServesAgainAfterwards() throws Exception {
        try (dev.kvstore.testing.EtcdServer own = dev.kvstore.testing.EtcdServer.start();
                TcpStoreServer gateway = TcpStoreServer.builder().port(0)
                        .store(EtcdServerStore.of(EtcdKVStore.builder().endpoints(own.endpoint())
                                .requestTimeout(Duration.ofSeconds(2)), prefix))
                        .build().start()) {
            WireConnection client = connect(gateway);
            client.request(SET).str("/before").bytes(utf8("1")).send();
            client.request(GET).str("/before").send();
            assertThat(client.readString()).isEqualTo("1");

            own.freeze();
            try {
                client.request(GET).str("/before").send();
                assertThat(client.closedByServer()).as("closed within the 10 s read timeout").isTrue();
                assertThat(gateway.status().refused(Refusal.STORE_UNAVAILABLE)).isEqualTo(1);
            } finally {
                own.thaw();
            }
            WireConnection again = connect(gateway);
            again.request(GET).str("/before").send();
            assertThat(again.readString()).isEqualTo("1");
        }
    }

    @Test
    void aGatewaysKeyCountAndSnapshotSeeTheKeysOfEveryGateway() throws Exception {
        TcpStoreServer a = gateway();
        TcpStoreServer b = gateway();
        WireConnection onB = connect(b);
        for (int i = 0; i < 3; i++) {
            onB.request(SET).str("/key-" + i).bytes(utf8("value-" + i)).send();
        }
        onB.request(ADD).str(ServerSnapshot.INIT_KEY).i64(2).send();
        assertThat(onB.readI64()).isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.keyCount()).isEqualTo(4));
        assertThat(a.storedBytes()).isZero();
        ServerSnapshot snapshot = a.snapshot(new SnapshotQuery(2, null, 10, 16), Duration.ofSeconds(10));
        assertThat(snapshot.keyCount()).isEqualTo(4);
        assertThat(snapshot.initRegistrations()).isEqualTo(2);
        assertThat(snapshot.keys()).extracting(ServerSnapshot.Key::name).containsExactly("/key-0", "/key-1");
        assertThat(snapshot.keys().get(0).value()).isEqualTo("value-0");
        assertThat(snapshot.nextKeysAfter()).isEqualTo("/key-1");
        ServerSnapshot next = a.snapshot(new SnapshotQuery(2, snapshot.nextKeysAfter(), 10, 0), Duration.ofSeconds(10));
        assertThat(next.keys()).extracting(ServerSnapshot.Key::name).containsExactly("/key-2", "init/");
        assertThat(next.keys().get(1).value()).isNull();
        ServerSnapshot countOnly = a.snapshot(new SnapshotQuery(0, null, 10, 0), Duration.ofSeconds(10));
        assertThat(countOnly.keyCount()).isEqualTo(4);
        assertThat(countOnly.keys()).isEmpty();
        assertThat(countOnly.nextKeysAfter()).isNull();
    }

    @Test
    void aValuePastEtcdsRequestLimitCostsOnlyItsConnectionAndTheWarnNamesTheLimit() throws Exception {
        TcpStoreServer gateway = gateway();
        WireConnection writer = connect(gateway);
        // Past etcd's default --max-request-bytes (1.5 MiB), within the server's own value limit (8 MiB).
        writer.request(SET).str("/big").bytes(new byte[1800 * 1024]).send();
        assertThat(writer.closedByServer()).isTrue();
        assertThat(serverLog.messages(ch.qos.logback.classic.Level.WARN))
                .anyMatch(line -> line.contains("--max-request-bytes") && line.contains("max-store-size"));

        WireConnection other = connect(gateway);
        other.request(SET).str("/small").bytes(utf8("fits")).send();
        other.request(GET).str("/small").send();
        assertThat(other.readString()).isEqualTo("fits");
    }

    @Test
    void aClosedGatewayLosesNothingAndItsClientsSeeTheirConnectionsClosed() throws Exception {
        TcpStoreServer a = gateway();
        TcpStoreServer b = gateway();
        WireConnection onA = connect(a);
        onA.request(SET).str("/kept").bytes(utf8("before the crash")).send();
        onA.request(ADD).str("/count").i64(7).send();
        assertThat(onA.readI64()).isEqualTo(7);
        WireConnection waiterOnA = connect(a);
        waiterOnA.request(WAIT).keys("/never").send();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.waiterCount() == 1);

        a.close();
        assertThat(waiterOnA.closedByServer()).isTrue();

        WireConnection onB = connect(b);
        onB.request(GET).str("/kept").send();
        assertThat(onB.readString()).isEqualTo("before the crash");
        onB.request(ADD).str("/count").i64(1).send();
        assertThat(onB.readI64()).isEqualTo(8);

        // A new gateway in the dead one's place sees every key.
        WireConnection onRestarted = connect(gateway());
        onRestarted.request(GET).str("/count").send();
        assertThat(onRestarted.readString()).isEqualTo("8");
    }
}
