package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KeyListing;
import dev.kvstore.api.KeysQuery;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import dev.kvstore.testing.TorchPeer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** {@link TcpKVStore} beside real PyTorch 1.13 processes: same keys, same bytes, world-size registration. */
@RequiresTorch
class TcpKVStoreTorchInteropTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final List<AutoCloseable> resources = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** One PyTorch master for the class (tests use their own namespaces); tests that need a special one start it. */
    @RegisterExtension
    static final TorchMasterExtension SHARED_MASTER = TorchMasterExtension.torch113();

    private TorchPeer torchMaster() {
        return SHARED_MASTER.peer();
    }

    private TcpKVStore store(int port, String namespace, String component) {
        return track(builder(port).namespace(namespace).component(component).build());
    }

    private static TcpKVStore.Builder builder(int port) {
        return TcpKVStore.builder().host("127.0.0.1").port(port).protocol(TcpProtocol.LEGACY)
                .connectTimeout(LONG).requestTimeout(LONG);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pythonAndJavaShareKeysUnderNamespaceAndComponent() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job1", "tensorbus");

        torch.set("job1/tensorbus/from-python", "py-value");
        assertThat(store.get("from-python")).contains("py-value");
        assertThat(store.withComponent("other").get("from-python")).isEmpty();

        store.set("from-java", "java-value");
        assertThat(torch.getString("job1/tensorbus/from-java")).isEqualTo("java-value");

        store.withComponent("data").set("shard:0", "ok");
        assertThat(torch.getString("job1/data/shard:0")).isEqualTo("ok");

        assertThat(store.add("counter", 2)).isEqualTo(2);
        assertThat(torch.add("job1/tensorbus/counter", 3)).isEqualTo(5);
        assertThat(store.get("counter")).contains("5");

        assertThat(torch.delete("job1/tensorbus/from-java")).isTrue();
        assertThat(store.exists("from-java")).isFalse();
    }

    @Test
    void bytesPassUnchangedAndBase64FromAnEthaPeerDecodes() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job2", "tensorbus");
        byte[] raw = {0, 1, (byte) 0x80, (byte) 0xFF, '\n', ' '};

        store.setBytes("blob", raw);
        assertThat(torch.get("job2/tensorbus/blob")).as("Python's store.get returns the raw bytes").isEqualTo(raw);

        // The Python etha TorchTCPStore's set_bytes stores base64 text.
        torch.set("job2/tensorbus/etha-blob", Base64.getEncoder().encode(raw));
        assertThat(Base64.getDecoder().decode(store.getBytes("etha-blob").orElseThrow())).isEqualTo(raw);
    }

    @Test
    void javaWaitsAreWokenByPythonWrites() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job3", "tensorbus");
        List<String> candidates = List.of("rank:0/ready", "rank:1/ready", "rank:2/ready");

        CompletableFuture<byte[]> key = CompletableFuture.supplyAsync(() -> store.waitForKey("addr", LONG));
        CompletableFuture<List<String>> all =
                CompletableFuture.supplyAsync(() -> store.waitForKeys(KeysQuery.matching("rank:*/ready", 3)
                        .withCandidates(candidates), LONG));
        CompletableFuture<List<String>> two =
                CompletableFuture.supplyAsync(() -> store.waitForKeys(KeysQuery.matching("rank:*/ready", 2)
                        .withCandidates(candidates), LONG));
        CompletableFuture<byte[]> value =
                CompletableFuture.supplyAsync(() -> store.waitForValue("phase", "train", LONG));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3))
                .until(() -> !key.isDone() && !all.isDone() && !two.isDone() && !value.isDone());

        torch.set("job3/tensorbus/addr", "10.0.0.1:1234");
        assertThat(key.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("10.0.0.1:1234"));

        torch.set("job3/tensorbus/rank:2/ready", "1");
        torch.set("job3/tensorbus/rank:0/ready", "1");
        assertThat(two.get(30, TimeUnit.SECONDS)).containsExactly("rank:0/ready", "rank:2/ready");
        torch.set("job3/tensorbus/rank:1/ready", "1");
        assertThat(all.get(30, TimeUnit.SECONDS)).containsExactlyElementsOf(candidates);

        torch.set("job3/tensorbus/phase", "warmup");
        torch.set("job3/tensorbus/phase", "train");
        assertThat(value.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("train"));
    }

    @Test
    void aBlockedWaitDoesNotBlockOtherThreads() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job4", "tensorbus");
        CompletableFuture<byte[]> waiter = CompletableFuture.supplyAsync(() -> store.waitForKey("late", LONG));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> !waiter.isDone());

        CompletableFuture<String> quick = CompletableFuture.supplyAsync(() -> {
            store.set("quick", "done");
            return store.get("quick").orElseThrow() + "/" + store.add("n", 1) + "/" + store.exists("quick");
        });
        assertThat(quick.get(30, TimeUnit.SECONDS)).isEqualTo("done/1/true");
        assertThat(waiter).isNotDone();

        store.set("late", "now");
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("now"));
    }

    @Test
    void javaWorkersRegisterWithATorchMasterWaitingForThem() throws Exception {
        int port = FreePorts.pick();
        TorchPeer torch = track(TorchPeer.start("master", port, 3, true));
        // The workers may come before the master listens: the build retries until it does.
        CompletableFuture<TcpKVStore> first =
                CompletableFuture.supplyAsync(() -> track(builder(port).worldSize(3).namespace("job5").build()));
        TcpKVStore second = track(builder(port).worldSize(3).namespace("job5").build());
        TcpKVStore firstStore = first.get(60, TimeUnit.SECONDS);

        torch.awaitReady(TorchPeer.STARTUP);
        try (TcpStoreClient raw = TcpStoreClient.connect("127.0.0.1", port, TcpProtocol.LEGACY, LONG)) {
            assertThat(new String(raw.getRaw(TcpStoreClient.INIT_KEY), StandardCharsets.UTF_8)).isEqualTo("3");
        }
        firstStore.set("hello", "from java");
        assertThat(second.get("hello")).contains("from java");
        assertThat(torch.getString("job5/tensorbus/hello")).isEqualTo("from java");
    }

    @Test
    void pythonWorkersRegisterOnTheSameCounterAsJava() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore java = store(torch.port(), "job6", "tensorbus");
        try (TcpStoreClient raw = TcpStoreClient.connect("127.0.0.1", torch.port(), TcpProtocol.LEGACY, LONG)) {
            long before = raw.addRaw(TcpStoreClient.INIT_KEY, 0);
            track(TorchPeer.awaitReady(TorchPeer.start("worker", torch.port(), 2, true)));
            TcpKVStore javaWorker = track(builder(torch.port()).worldSize(2).namespace("job6").build());
            assertThat(new String(raw.getRaw(TcpStoreClient.INIT_KEY), StandardCharsets.UTF_8))
                    .as("one Python worker and one Java worker joined").isEqualTo(String.valueOf(before + 2));
            torch.set("job6/tensorbus/w", "1");
            assertThat(javaWorker.get("w")).contains("1");
        }
        assertThat(java.get("w")).contains("1");
    }

    @Test
    void addOnANonNumberSaysWhatTheKeyHolds() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job7", "tensorbus");
        store.set("text", "abc");
        assertThatThrownBy(() -> store.add("text", 1)).isInstanceOf(KVStoreException.class)
                .hasMessageContaining("job7/tensorbus/text").hasMessageContaining("not a decimal number");
        assertThat(store.get("text")).contains("abc");
    }

    @Test
    void closeWithCleanupCannotEnumerateKeysOnTheLegacyProtocolAndLeavesThem() throws Exception {
        TorchPeer torch = torchMaster();
        KVStore store = store(torch.port(), "job8", "tensorbus");
        store.set("kept", "1");
        store.close(true);
        assertThat(torch.getString("job8/tensorbus/kept")).isEqualTo("1");
    }

    @Test
    void longWaitsLogWhatIsStillMissing() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = track(builder(torch.port()).namespace("job10").progressInterval(Duration.ofMillis(100))
                .build());
        store.set("rank:0", "1");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(TcpKVStore.class);
        logs.start();
        logger.addAppender(logs);
        try {
            // Every 100 ms slice of the LEGACY WAIT times out and reconnects: the wait still ends only at its timeout.
            assertThatThrownBy(() -> store.waitForKeys(KeysQuery.matching("rank:*", 2)
                    .withCandidates(List.of("rank:0", "rank:1")), Duration.ofMillis(800)))
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("1 of 2").hasMessageContaining("missing candidates: [rank:1]");
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage)
                .anySatisfy(message -> assertThat(message).contains("Still waiting")
                        .contains("job10/tensorbus/rank:*").contains("missing candidates: [rank:1]"));
        store.set("after", "ok");
        assertThat(store.get("after")).contains("ok");
    }

    @Test
    void buildAgainstNobodyTimesOutNamingTheAddress() {
        int port = FreePorts.pick();
        assertThatThrownBy(() -> builder(port).connectTimeout(Duration.ofMillis(300))
                .requestTimeout(Duration.ofMillis(300)).build())
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("127.0.0.1:" + port);
    }

    /** A torch 1.13 master cannot list keys: a pattern wait without enough candidates fails at once saying so. */
    @Test
    void patternWaitWithoutEnoughCandidatesSaysTheMasterCannotListAndHowToFixIt() throws Exception {
        TorchPeer torch = torchMaster();
        TcpKVStore store = store(torch.port(), "job9", "tensorbus");
        assertThat(store.capability(KeyListing.class)).isEmpty();
        assertThatThrownBy(() -> store.waitForKeys(KeysQuery.matching("rank:*", 1), LONG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("waitForKeys expects 1 keys matching 'rank:*' but was given no candidate keys")
                .hasMessageContaining("cannot list its keys to find them: LIST_KEYS needs a master that has it")
                .hasMessageContaining("Pass the keys that may match")
                .hasMessageContaining("kvstore.tcp.protocol");
        assertThatThrownBy(() -> store.waitForKeys("rank:*", 3, List.of("rank:0", "rank:1", "x"), LONG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only 2 candidate keys match it: [rank:0, rank:1]");
    }
}
