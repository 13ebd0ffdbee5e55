package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KeysQuery;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Python peer (python3-etcd3, {@code etcd_interop.py}) and the Java store share keys
 * {@code {namespace}/{component}/{key}} and raw values, both ways.
 */
@RequiresTorch
@RequiresEtcd
class EtcdPythonInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final HexFormat HEX = HexFormat.of();

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private EtcdKVStore store;
    private String namespace;

    @BeforeEach
    void open(TestInfo info) {
        namespace = "py-" + info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime();
        store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).build();
        opened.add(store);
    }

    @AfterEach
    void close() throws Exception {
        pool.shutdownNow();
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private PythonProcess python(String command, String... args) {
        URI endpoint = URI.create(etcd.endpoint());
        List<Object> all = new ArrayList<>(List.of(endpoint.getHost(), endpoint.getPort(), command));
        all.addAll(List.of(args));
        PythonProcess process = PythonProcess.start("etcd_interop.py", all.toArray());
        opened.add(process);
        return process;
    }

    private static byte[] allByteValues() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    @Test
    void pythonReadsWhatJavaWrote() throws Exception {
        store.set("greeting", "héllo wörld ✓");
        store.setBytes("raw", allByteValues());
        store.withComponent("data").set("pair:a/rank:0/ready", "1");

        String greeting = namespace + "/tensorbus/greeting";
        String raw = namespace + "/tensorbus/raw";
        String other = namespace + "/data/pair:a/rank:0/ready";
        String missing = namespace + "/tensorbus/missing";
        PythonProcess peer = python("read", greeting, raw, other, missing);

        assertThat(peer.awaitLineStartingWith("VALUE " + greeting + " ", TIMEOUT))
                .isEqualTo(HEX.formatHex("héllo wörld ✓".getBytes(StandardCharsets.UTF_8)));
        assertThat(peer.awaitLineStartingWith("VALUE " + raw + " ", TIMEOUT)).isEqualTo(HEX.formatHex(allByteValues()));
        assertThat(peer.awaitLineStartingWith("VALUE " + other + " ", TIMEOUT))
                .isEqualTo(HEX.formatHex(new byte[] {'1'}));
        assertThat(peer.awaitLineStartingWith("VALUE " + missing + " ", TIMEOUT)).isEqualTo("MISSING");
        peer.assertSucceeds(TIMEOUT);
    }

    @Test
    void javaWaitForKeysIsWokenByPythonWrites() throws Exception {
        CountDownLatch watching = new CountDownLatch(1);
        store.waitHooks(new WaitHooks() {
            @Override
            public void watchCreated(long startRevision) {
                watching.countDown();
            }
        });
        Future<List<String>> waiter = pool.submit(() -> store.waitForKeys(KeysQuery.matching("rank:*/ready", 3),
                TIMEOUT));
        assertThat(watching.await(30, TimeUnit.SECONDS)).isTrue();

        String prefix = namespace + "/tensorbus/";
        String one = HEX.formatHex(new byte[] {'1'});
        PythonProcess peer = python("write",
                prefix + "rank:10/ready", one,
                prefix + "rank:2/ready", one,
                prefix + "rank:1/ready", HEX.formatHex(new byte[] {'0'}),
                prefix + "rank:1/other", one,
                prefix + "raw", HEX.formatHex(allByteValues()),
                prefix + "rank:1/ready", one);
        peer.assertSucceeds(TIMEOUT);

        assertThat(waiter.get(30, TimeUnit.SECONDS)).containsExactly("rank:1/ready", "rank:2/ready", "rank:10/ready");
        assertThat(store.getBytes("raw")).hasValueSatisfying(v -> assertThat(v).isEqualTo(allByteValues()));
    }

    @Test
    void pythonWaitsForWhatJavaWrites() throws Exception {
        String key = namespace + "/tensorbus/master_addr";
        PythonProcess peer = python("wait", key, "60");
        peer.awaitLine("WATCHING"::equals, TIMEOUT);
        store.set("master_addr", "10.0.0.7:29500");
        assertThat(peer.awaitLineStartingWith("VALUE " + key + " ", TIMEOUT))
                .isEqualTo(HEX.formatHex("10.0.0.7:29500".getBytes(StandardCharsets.UTF_8)));
        peer.assertSucceeds(TIMEOUT);
    }
}
