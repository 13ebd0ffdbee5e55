package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.CANCEL_WAIT;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static dev.kvstore.tcp.protocol.wire.Command.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TcpStoreServer#snapshot} against real sockets: a real PyTorch 1.13 client blocked in {@code get()} (a
 * server-side WAIT), another one connected and idle, and a Java wire client storing keys.
 */
class TcpStoreServerSnapshotTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();

    private PythonProcess torchPeer(String key) throws InterruptedException {
        PythonProcess process = PythonProcess.start("torch_client_registered_peer.py", "127.0.0.1", server.port(),
                2, key);
        running.track(process);
        process.awaitLine("READY"::equals, PYTHON_TIMEOUT);
        return process;
    }

    private WireConnection javaClient() throws Exception {
        WireConnection connection = WireConnection.open(server.port(), TcpProtocol.MODERN);
        running.track(connection);
        return connection;
    }

    private static void set(WireConnection client, String key, String value) throws Exception {
        client.request(SET).str(key).bytes(value.getBytes(StandardCharsets.UTF_8)).send();
    }

    private ServerSnapshot snapshot(SnapshotQuery query) {
        return server.snapshot(query, SNAPSHOT_TIMEOUT);
    }

    @RequiresTorch
    @Test
    void showsTheWaitingTorchClientTheIdleOneAndTheMissingKeyUntilItIsSet() throws Exception {
        PythonProcess waiting = torchPeer("late"); // torch sends it as "/late"
        waiting.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        torchPeer("-");
        await().atMost(PYTHON_TIMEOUT).until(() -> server.waiterCount() == 1);

        ServerSnapshot snapshot = snapshot(SnapshotQuery.defaults());

        // A torch 1.13 client opens two connections: its store socket and its watch-callback socket.
        assertThat(snapshot.clientCount()).isEqualTo(4);
        assertThat(snapshot.clients()).hasSize(4).allSatisfy(client -> {
            assertThat(client.remoteAddress()).startsWith("127.0.0.1:");
            assertThat(client.connectedSince()).isBeforeOrEqualTo(snapshot.takenAt());
        });
        assertThat(snapshot.clients()).filteredOn(c -> c.requestsServed() > 0)
                .as("the two store sockets, which added 1 to init/").hasSize(2)
                .allSatisfy(client -> assertThat(client.protocol()).isEqualTo(TcpProtocol.LEGACY));
        ServerSnapshot.Client waiter = snapshot.clients().stream().filter(c -> !c.waits().isEmpty()).findFirst()
                .orElseThrow();
        assertThat(waiter.requestsServed()).isEqualTo(2); // ADD init/, WAIT /late
        assertThat(waiter.waits()).singleElement().satisfies(wait -> {
            assertThat(wait.keys()).containsExactly("/late");
            assertThat(wait.age()).isPositive();
        });
        assertThat(snapshot.clients()).filteredOn(c -> c.waits().isEmpty()).hasSize(3);
        assertThat(snapshot.missing()).singleElement().satisfies(missing -> {
            assertThat(missing.name()).isEqualTo("/late");
            assertThat(missing.waiters()).isEqualTo(1);
            assertThat(missing.waitingClients()).containsExactly(waiter.remoteAddress());
            assertThat(missing.since()).isEqualTo(waiter.waits().get(0).since());
        });
        assertThat(snapshot.initRegistrations()).isEqualTo(2);
        assertThat(snapshot.pendingWaitCount()).isEqualTo(1);
        assertThat(snapshot.keys()).extracting(ServerSnapshot.Key::name).containsExactly("init/");
        assertThat(snapshot.storedBytes()).isEqualTo("init/".length() + 1);
        assertThat(snapshot.maxStoreBytes()).isEqualTo(ServerLimits.DEFAULT_MAX_STORE_BYTES);

        set(javaClient(), "/late", "here");
        assertThat(waiting.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("here");
        await().atMost(PYTHON_TIMEOUT).untilAsserted(() -> {
            ServerSnapshot after = snapshot(SnapshotQuery.defaults());
            assertThat(after.missing()).isEmpty();
            assertThat(after.pendingWaitCount()).isZero();
            assertThat(after.clients()).allSatisfy(client -> assertThat(client.waits()).isEmpty());
            assertThat(after.ended()).singleElement().satisfies(ended -> {
                assertThat(ended.keys()).containsExactly("/late");
                assertThat(ended.client()).isEqualTo(waiter.remoteAddress());
                assertThat(ended.outcome()).isEqualTo(ServerSnapshot.EndedWait.Outcome.RESOLVED);
                assertThat(ended.ended()).isAfterOrEqualTo(ended.since());
            });
        });
    }

    @Test
    void keepsHowEachHeldWaitEndedLatestFirst() throws Exception {
        WireConnection cancelling = javaClient();
        cancelling.request(WAIT).keys("/withdrawn").send();
        set(javaClient(), "/present", "x");
        await().until(() -> server.keyCount() == 1);
        WireConnection leaving = javaClient();
        leaving.request(WAIT).keys("/abandoned", "/present").send();
        await().until(() -> server.waiterCount() == 2);
        cancelling.request(CANCEL_WAIT).send();
        assertThat(cancelling.readU8()).isEqualTo(ReplyCodes.WAIT_CANCELED);
        leaving.close();
        await().until(() -> server.waiterCount() == 0);
        WireConnection answered = javaClient();
        answered.request(WAIT).keys("/soon").send();
        await().until(() -> server.waiterCount() == 1);
        set(javaClient(), "/soon", "y");
        assertThat(answered.readU8()).isEqualTo(ReplyCodes.STOP_WAITING);
        javaClient().request(WAIT).keys("/present").send(); // answered at once: never held, never listed

        await().untilAsserted(() -> assertThat(snapshot(SnapshotQuery.defaults()).ended())
                .extracting(ServerSnapshot.EndedWait::keys, ServerSnapshot.EndedWait::outcome)
                .containsExactly(tuple(List.of("/soon"), ServerSnapshot.EndedWait.Outcome.RESOLVED),
                        tuple(List.of("/abandoned"), ServerSnapshot.EndedWait.Outcome.DISCONNECTED),
                        tuple(List.of("/withdrawn"), ServerSnapshot.EndedWait.Outcome.CANCELLED)));
        for (int i = 0; i < KeyWaiters.ENDED_KEPT; i++) {
            WireConnection more = javaClient();
            more.request(WAIT).keys("/more-" + i).send();
            await().until(() -> server.waiterCount() == 1);
            more.close();
            await().until(() -> server.waiterCount() == 0);
        }
        await().untilAsserted(() -> assertThat(snapshot(SnapshotQuery.defaults()).ended())
                .hasSize(KeyWaiters.ENDED_KEPT).first()
                .satisfies(latest -> assertThat(latest.keys())
                        .containsExactly("/more-" + (KeyWaiters.ENDED_KEPT - 1))));
    }

    @Test
    void pagesKeysInByteOrderWithValuesOnlyWhenAskedFor() throws Exception {
        WireConnection client = javaClient();
        for (String key : List.of("/e", "/b", "/d", "/a", "/c")) {
            set(client, key, "value of " + key);
        }
        await().until(() -> server.keyCount() == 5);

        ServerSnapshot first = snapshot(SnapshotQuery.defaults().withKeys(2, null));
        assertThat(first.keys()).extracting(ServerSnapshot.Key::name).containsExactly("/a", "/b");
        assertThat(first.keys()).allSatisfy(key -> {
            assertThat(key.size()).isEqualTo("value of /a".length());
            assertThat(key.value()).isNull();
        });
        assertThat(first.nextKeysAfter()).isEqualTo("/b");
        assertThat(first.keyCount()).isEqualTo(5);

        ServerSnapshot second = snapshot(SnapshotQuery.defaults().withKeys(2, first.nextKeysAfter()));
        assertThat(second.keys()).extracting(ServerSnapshot.Key::name).containsExactly("/c", "/d");
        ServerSnapshot last = snapshot(SnapshotQuery.defaults().withKeys(2, second.nextKeysAfter()).withValueBytes(5));
        assertThat(last.keys()).singleElement().satisfies(key -> {
            assertThat(key.name()).isEqualTo("/e");
            assertThat(key.value()).isEqualTo("value");
        });
        assertThat(last.nextKeysAfter()).isNull();
    }

    @Test
    void refusesWhenNotServingAndBoundsWhatIsAsked() {
        TcpStoreServer notStarted = TcpStoreServer.builder().port(0).build();
        assertThatThrownBy(() -> notStarted.snapshot(SnapshotQuery.defaults(), SNAPSHOT_TIMEOUT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not serving");
        server.close();
        assertThatThrownBy(() -> server.snapshot(SnapshotQuery.defaults(), SNAPSHOT_TIMEOUT))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new SnapshotQuery(SnapshotQuery.MAX_LIMIT + 1, null, 10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyLimit");
    }
}
