package dev.kvstore.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import dev.kvstore.testing.TorchPeer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The low-level client with the LEGACY protocol against a real PyTorch 1.13 TCPStore master. */
@RequiresTorch
class TcpStoreClientTorchMasterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final TorchMasterExtension MASTER = TorchMasterExtension.torch113();

    private final TorchPeer torch = MASTER.peer();
    private final List<TcpStoreClient> clients = new ArrayList<>();
    private String p;

    @AfterEach
    void closeClients() {
        clients.forEach(TcpStoreClient::close);
    }

    private TcpStoreClient connect() {
        TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", torch.port(), TcpProtocol.LEGACY, TIMEOUT);
        clients.add(client);
        return client;
    }

    /** A per-test key prefix, so that one master serves the class. */
    private String key(TestInfo info, String name) {
        if (p == null) {
            p = info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime() + "/";
        }
        return p + name;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void javaAndPythonSeeTheSameKeysAndBytes(TestInfo info) throws Exception {
        TcpStoreClient client = connect();
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        client.set(key(info, "from-java"), binary);
        assertThat(torch.get(key(info, "from-java"))).isEqualTo(binary);

        torch.set(key(info, "from-python"), "hello from torch");
        assertThat(client.get(key(info, "from-python"))).isEqualTo(utf8("hello from torch"));

        client.set(key(info, "empty"), new byte[0]);
        assertThat(torch.get(key(info, "empty"))).isEmpty();
    }

    @Test
    void addIsSharedWithPythonAndStoredAsDecimalText(TestInfo info) throws Exception {
        TcpStoreClient client = connect();
        assertThat(client.add(key(info, "counter"), 5)).isEqualTo(5);
        assertThat(torch.add(key(info, "counter"), 2)).isEqualTo(7);
        assertThat(client.add(key(info, "counter"), -10)).isEqualTo(-3);
        assertThat(torch.getString(key(info, "counter"))).isEqualTo("-3");
    }

    @Test
    void compareSetFollowsPyTorchSemantics(TestInfo info) {
        TcpStoreClient client = connect();
        String k = key(info, "cas");
        assertThat(client.compareSet(k, utf8("x"), utf8("y"))).as("missing key, non-empty expected").isEqualTo(utf8("x"));
        assertThat(client.check(List.of(k))).isFalse();
        assertThat(client.compareSet(k, new byte[0], utf8("a"))).as("missing key, empty expected").isEqualTo(utf8("a"));
        assertThat(client.compareSet(k, utf8("zzz"), utf8("b"))).as("mismatch").isEqualTo(utf8("a"));
        assertThat(client.compareSet(k, utf8("a"), utf8("b"))).as("match").isEqualTo(utf8("b"));
        assertThat(client.get(k)).isEqualTo(utf8("b"));
    }

    @Test
    void deleteCheckAndNumKeys(TestInfo info) throws Exception {
        TcpStoreClient client = connect();
        String k = key(info, "doomed");
        long before = client.numKeys();
        client.set(k, utf8("x"));
        assertThat(client.numKeys()).isEqualTo(before + 1);
        assertThat(torch.numKeys()).isEqualTo(before + 1);
        assertThat(client.check(List.of(k))).isTrue();
        assertThat(client.check(List.of(k, key(info, "other")))).isFalse();
        assertThat(client.deleteKey(k)).isTrue();
        assertThat(client.deleteKey(k)).isFalse();
        assertThat(client.check(List.of(k))).isFalse();
        torch.set(key(info, "py"), "1");
        assertThat(torch.delete(key(info, "py"))).isTrue();
        assertThat(client.check(List.of(key(info, "py")))).isFalse();
    }

    @Test
    void waitBlocksOnTheServerUntilPythonSetsTheKeys(TestInfo info) throws Exception {
        TcpStoreClient client = connect();
        String a = key(info, "a");
        String b = key(info, "b");
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> client.wait(List.of(a, b), TIMEOUT));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
        torch.set(a, "1");
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
        torch.set(b, "2");
        waiter.get(30, TimeUnit.SECONDS);
        assertThat(client.get(b)).isEqualTo(utf8("2"));
    }

    @Test
    void legacyWaitTimeoutClosesTheConnectionAndANewOneWorks(TestInfo info) throws Exception {
        TcpStoreClient client = connect();
        String k = key(info, "never");
        assertThatThrownBy(() -> client.wait(List.of(k), Duration.ofMillis(300)))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("127.0.0.1:" + torch.port())
                .hasMessageContaining("/" + k);
        assertThat(client.isOpen()).as("LEGACY cannot cancel a WAIT: the connection must go").isFalse();
        assertThatThrownBy(() -> client.numKeys()).isInstanceOf(KVStoreConnectionException.class);

        torch.set(k, "late");
        TcpStoreClient fresh = connect();
        assertThat(fresh.get(k)).isEqualTo(utf8("late"));
        assertThat(torch.getString(k)).as("the master is unharmed").isEqualTo("late");
    }

    @Test
    void getOfAMissingKeyTimesOutNamingIt(TestInfo info) {
        TcpStoreClient client =
                TcpStoreClient.connect("127.0.0.1", torch.port(), TcpProtocol.LEGACY, Duration.ofMillis(300));
        clients.add(client);
        assertThatThrownBy(() -> client.get(key(info, "missing")))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining(key(info, "missing"));
    }

    @Test
    void theOldMasterDropsTheConnectionOnGetOfAMissingKey(TestInfo info) {
        TcpStoreClient client = connect();
        assertThatThrownBy(() -> client.getRaw("/" + key(info, "missing")))
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining("closed the connection");
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void workerCounterIsTheLiteralInitKey() throws Exception {
        TcpStoreClient client = connect();
        long before = client.numKeys();
        long joined = client.addRaw(TcpStoreClient.INIT_KEY, 1);
        assertThat(client.addRaw(TcpStoreClient.INIT_KEY, 0)).isEqualTo(joined);
        assertThat(new String(client.getRaw(TcpStoreClient.INIT_KEY), StandardCharsets.UTF_8))
                .isEqualTo(String.valueOf(joined));
        assertThat(client.check(List.of("init/"))).as("the user key 'init/' is '/init/' on the wire").isFalse();
        assertThat(torch.numKeys()).isGreaterThanOrEqualTo(before);
    }

    @Test
    void commandsOfLaterGenerationsAreRejectedLocally() {
        TcpStoreClient client = connect();
        assertThatThrownBy(() -> client.append("k", utf8("x"))).isExactlyInstanceOf(KVStoreException.class)
                .hasMessageContaining("APPEND is not part of the LEGACY protocol")
                .hasMessageContaining("[V2_1, MODERN]").hasMessageContaining("nothing was sent");
        assertThatThrownBy(() -> client.listKeys()).isExactlyInstanceOf(KVStoreException.class)
                .hasMessageContaining("LIST_KEYS").hasMessageContaining("[MODERN]");
        assertThat(client.isOpen()).isTrue();
        assertThat(client.numKeys()).isNotNegative();
    }

    @Test
    void connectRetriesUntilTheMasterStarts() throws Exception {
        int port = FreePorts.pick();
        CompletableFuture<TcpStoreClient> connecting = CompletableFuture.supplyAsync(
                () -> TcpStoreClient.connect("127.0.0.1", port, TcpProtocol.LEGACY, Duration.ofSeconds(60)));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !connecting.isDone());
        try (TorchPeer late = TorchPeer.awaitReady(TorchPeer.start("master", port, null, false));
                TcpStoreClient client = connecting.get(60, TimeUnit.SECONDS)) {
            client.set("late-master", utf8("up"));
            assertThat(late.getString("late-master")).isEqualTo("up");
        }
    }

    @Test
    void connectToNobodyTimesOutNamingTheAddress() {
        int port = FreePorts.pick();
        assertThatThrownBy(() -> TcpStoreClient.connect("127.0.0.1", port, Duration.ofMillis(300)))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("127.0.0.1:" + port);
    }
}
