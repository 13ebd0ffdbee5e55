package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.WatchRecorder;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Prefix watches on the Java TCPStore master: changes made by a real torch client, threads, close, a restarted
 * master (flagged re-read) and a slow listener (bounded queue, flagged re-read).
 */
class TcpKVStoreWatchTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final List<AutoCloseable> opened = new ArrayList<>();

    private <T extends AutoCloseable> T track(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
    }

    private static String namespace(TestInfo info) {
        return "watch-" + info.getTestMethod().orElseThrow().getName().hashCode() + "-" + System.nanoTime();
    }

    private TcpKVStore master(String namespace) {
        return track(TcpKVStore.builder().master(true).host("127.0.0.1").port(0).namespace(namespace).build());
    }

    private TcpKVStore client(int port, String namespace) {
        return track(TcpKVStore.builder().host("127.0.0.1").port(port).requestTimeout(Duration.ofSeconds(10))
                .namespace(namespace).build());
    }

    /** torch 1.13 speaks the legacy numbering to the master, torch 2.6 the modern one: both are watched alike. */
    @ParameterizedTest
    @EnumSource(PythonRuntime.class)
    @RequiresTorch
    void putsAndDeletesOfATorchClientReachTheWatchInOrderOffTheIoThreadsUntilClosed(PythonRuntime runtime,
            TestInfo info) throws Exception {
        String namespace = namespace(info) + "-" + runtime.ordinal();
        TcpKVStore master = master(namespace);
        TcpKVStore watcher = client(master.port(), namespace);
        TorchPeer torch = track(TorchPeer.awaitReady(TorchPeer.start(runtime, "worker", master.port(), null,
                false)));
        String component = namespace + "/tensorbus/";
        torch.set(component + "w/a", "1");
        torch.set(component + "elsewhere", "x");

        WatchRecorder recorder = new WatchRecorder();
        KVWatch watch = watcher.capability(KeyWatches.class).orElseThrow().watch("w/", recorder);
        await().atMost(LONG).until(() -> !recorder.log.isEmpty());
        assertThat(recorder.log.get(0)).isEqualTo("reset [w/a] (initial state)");

        torch.set(component + "w/b", "2");
        torch.delete(component + "w/a");
        torch.set(component + "elsewhere", "y");
        torch.set(namespace + "/other/w/z", "z");
        torch.add(component + "w/n", 3);
        torch.set(component + "w/b", new byte[0]);
        await().atMost(LONG).until(() -> recorder.log.size() == 5);
        assertThat(recorder.log).containsExactly("reset [w/a] (initial state)", "PUT w/b=2", "DELETE w/a=",
                "PUT w/n=3", "PUT w/b=");
        assertThat(recorder.threads).as("the subscription's thread only").hasSize(1)
                .allMatch(name -> name.startsWith("kvstore-watch-"));

        watch.close();
        torch.set(component + "w/after", "5");
        assertThat(torch.getString(component + "w/after")).isEqualTo("5"); // stored: the watch would have had it
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> recorder.log.size() == 5);
        await().atMost(LONG).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().endsWith(component + "w/")));
    }

    /**
     * The master restarts (a new server on the same port, its keys gone): the watch reconnects and delivers the new
     * state as a reset flagged as a re-read, since the Java master has no history to resume from.
     */
    @Test
    void aRestartedMasterIsDeliveredAsAFlaggedReRead(TestInfo info) {
        String namespace = namespace(info);
        TcpStoreServer first = TcpStoreServer.builder().port(0).build().start();
        int port = first.port();
        TcpStoreServer second = null;
        try {
            TcpKVStore writer = client(port, namespace);
            TcpKVStore watcher = client(port, namespace);
            writer.set("w/before", "1");
            WatchRecorder recorder = new WatchRecorder();
            track(watcher.capability(KeyWatches.class).orElseThrow().watch("w/", recorder));
            await().atMost(LONG).until(() -> recorder.keys.equals(Set.of("w/before")));

            first.close();
            second = TcpStoreServer.builder().port(port).build().start();
            // The writer's pooled connection broke with the first server: a set may fail once, as any call.
            await().atMost(LONG).ignoreExceptionsInstanceOf(KVStoreConnectionException.class).until(() -> {
                writer.set("w/after", "2");
                return true;
            });
            await().atMost(LONG).until(() -> recorder.keys.equals(Set.of("w/after")));
            assertThat(recorder.resetsContaining("reconnected to the master after the connection was lost"))
                    .isEqualTo(1);
            assertThat(recorder.resetsContaining("keeps no history, so the state was read again")).isEqualTo(1);
            assertThat(recorder.log).as("the old master's key is gone with the re-read").noneMatch(
                    line -> line.startsWith("DELETE w/before"));

            writer.set("w/later", "3");
            await().atMost(LONG).until(() -> recorder.keys.contains("w/later"));
            assertThat(recorder.log.get(recorder.log.size() - 1)).isEqualTo("PUT w/later=3");
        } finally {
            closeAll(first, second);
        }
    }

    private void closeAll(TcpStoreServer... servers) {
        try {
            closeAllTracked();
        } finally {
            for (TcpStoreServer server : servers) {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    private void closeAllTracked() {
        try {
            closeAll();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        opened.clear();
    }

    @Test
    void aSlowListenerDropsToAFlaggedReReadInsteadOfQueueingWithoutBound(TestInfo info) throws Exception {
        String namespace = namespace(info);
        TcpKVStore master = master(namespace);
        CountDownLatch release = new CountDownLatch(1);
        WatchRecorder slow = WatchRecorder.blockedUntil(release);
        track(client(master.port(), namespace).watch("w/", slow, 4, 1 << 20));
        await().atMost(LONG).until(() -> !slow.log.isEmpty());
        master.set("w/first", "v"); // the listener takes it and blocks: what follows queues up
        for (int i = 0; i < 50; i++) {
            master.set("w/k" + i, "v");
        }
        release.countDown();
        await().atMost(LONG).until(() -> slow.keys.size() == 51);
        assertThat(slow.resetsContaining("the listener fell behind: more than 4 changes")).isPositive();
    }

    @Test
    void largeValuesCountAgainstTheQueuesByteBound(TestInfo info) throws Exception {
        String namespace = namespace(info);
        TcpKVStore master = master(namespace);
        CountDownLatch release = new CountDownLatch(1);
        WatchRecorder slow = WatchRecorder.blockedUntil(release);
        track(client(master.port(), namespace).watch("w/", slow, 1000, 64 * 1024));
        await().atMost(LONG).until(() -> !slow.log.isEmpty());
        byte[] large = new byte[16 * 1024];
        master.set("w/first", "v");
        for (int i = 0; i < 10; i++) {
            master.setBytes("w/large" + i, large); // 160 KiB in all: past the 64 KiB bound, far below 1000 changes
        }
        release.countDown();
        await().atMost(LONG).until(() -> slow.keys.size() == 11);
        assertThat(slow.resetsContaining("65536 bytes were queued")).isPositive();
    }
}
