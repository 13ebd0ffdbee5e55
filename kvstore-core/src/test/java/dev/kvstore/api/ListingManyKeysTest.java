package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listing pages through 100k keys on both backends with bounded memory: a child JVM with a 40 MiB heap lists keys
 * that take about 50 MiB as strings, so it only gets through if it holds one page at a time.
 */
@RequiresEtcd
class ListingManyKeysTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    static final int KEYS = 100_000;
    static final int PAGE = 10_000;
    /** Long keys, so that all of them would not fit the child's heap. */
    static final String PADDING = "p".repeat(500);
    static final List<String> SMALL_HEAP = List.of("-Xmx40m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    static final Duration CHILD_TIMEOUT = Duration.ofMinutes(3);

    static String key(int i) {
        return "item/" + i + "/" + PADDING;
    }

    @Test
    void pagesThroughHundredThousandKeysOnEtcd() throws Exception {
        String namespace = "listing-" + System.nanoTime();
        String prefix = namespace + "/tensorbus/";
        try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            Semaphore inFlight = new Semaphore(16);
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int start = 0; start < KEYS; start += 100) {
                Op[] puts = new Op[Math.min(100, KEYS - start)];
                for (int i = 0; i < puts.length; i++) {
                    puts[i] = Op.put(bytes(prefix + key(start + i)), bytes("v"), PutOption.DEFAULT);
                }
                inFlight.acquire();
                writes.add(client.getKVClient().txn().Then(puts).commit().whenComplete((r, e) -> inFlight.release()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        }
        assertChildListsAll("etcd", etcd.endpoint(), namespace);
    }

    @Test
    void pagesThroughHundredThousandKeysOnTheJavaTcpMaster() throws Exception {
        String namespace = "listing";
        try (TcpKVStore master = TcpKVStore.builder().master(true).port(0).namespace("master").build();
                TcpStoreClient client = TcpStoreClient.connect("127.0.0.1", master.port(), Duration.ofSeconds(60))) {
            for (int start = 0; start < KEYS; start += 1000) {
                List<String> keys = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                for (int i = start; i < start + 1000; i++) {
                    keys.add(namespace + "/tensorbus/" + key(i));
                    values.add(new byte[] {'v'});
                }
                client.multiSet(keys, values);
            }
            assertThat(client.numKeys()).isEqualTo(KEYS);
            assertChildListsAll("tcp", master.port(), namespace);
        }
    }

    private static void assertChildListsAll(String backend, Object address, String namespace) throws Exception {
        try (PythonProcess child = PythonProcess.startJava(KeyListingChild.class, SMALL_HEAP, backend, address,
                namespace, PAGE)) {
            String listed = child.awaitLineStartingWith("LISTED ", CHILD_TIMEOUT);
            assertThat(listed).isEqualTo(KEYS + " " + KEYS / PAGE); // the last full page says hasMore = false
            child.assertSucceeds(Duration.ofSeconds(30));
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
