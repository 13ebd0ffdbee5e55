package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.WatchRecorder;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchPeer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ephemeral keys on the Java TCPStore master: owned by the setting store's connection, gone with it. */
class TcpKVStoreEphemeralKeyTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private static TcpKVStore.Builder client(int port, String namespace) {
        return TcpKVStore.builder().host("127.0.0.1").port(port).requestTimeout(Duration.ofSeconds(10))
                .namespace(namespace);
    }

    @Test
    @RequiresTorch
    void anEphemeralKeyGoesWhenItsOwnerProcessIsKilled() throws Exception {
        String namespace = "ephemeral-kill-" + System.nanoTime();
        WatchRecorder recorder = new WatchRecorder();
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).namespace(namespace)
                .build();
                TorchPeer torch = TorchPeer.awaitReady(TorchPeer.start("worker", master.port(), null, false));
                var watch = master.capability(KeyWatches.class).orElseThrow().watch("members/", recorder);
                PythonProcess owner = PythonProcess.startJava(EphemeralOwnerChild.class, List.of("-Xmx64m"),
                        master.port(), namespace, "members/child")) {
            owner.awaitLine("SET"::equals, Duration.ofSeconds(60));
            assertThat(torch.getString(namespace + "/tensorbus/members/child")).as("a torch client sees it")
                    .isEqualTo("alive");
            // Alive and connected: the key stays.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> master.exists("members/child"));

            owner.close(); // SIGKILL: the kernel closes its connection, the master deletes what it owned
            await().atMost(LONG).pollInterval(Duration.ofMillis(20)).until(() -> !master.exists("members/child"));
            await().atMost(LONG).until(() -> recorder.log.contains("DELETE members/child="));
            assertThat(recorder.log).containsSubsequence("PUT members/child=alive", "DELETE members/child=");
            assertThat(torch.numKeys()).as("no key left on the master").isZero();
        }
    }

    @Test
    void closingTheStoreDeletesItsEphemeralKeysAtOnceAndSetMakesOnePermanent() {
        String namespace = "ephemeral-close-" + System.nanoTime();
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).namespace(namespace)
                .build()) {
            TcpKVStore owner = client(master.port(), namespace).build();
            owner.capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/a", "1");
            owner.withComponent("other").capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/b", "2");
            owner.capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/c", "3");
            owner.set("members/c", "3 for good"); // a plain set unties it from the connection
            owner.set("permanent", "4");
            assertThat(master.get("members/a")).contains("1");
            assertThat(master.withComponent("other").get("members/b")).contains("2");

            owner.close();
            assertThat(master.exists("members/a")).as("deleted when close returned").isFalse();
            assertThat(master.withComponent("other").exists("members/b")).isFalse();
            assertThat(master.get("members/c")).contains("3 for good");
            assertThat(master.get("permanent")).contains("4");
        }
    }

    @Test
    void losingTheOwningConnectionIsReportedAndTheNextSetOpensANewOne() throws Exception {
        String namespace = "ephemeral-loss-" + System.nanoTime();
        TcpStoreServer first = TcpStoreServer.builder().port(0).build().start();
        int port = first.port();
        TcpStoreServer second = null;
        BlockingQueue<String> losses = new ArrayBlockingQueue<>(10);
        BlockingQueue<String> threads = new ArrayBlockingQueue<>(10);
        try (TcpKVStore owner = client(port, namespace).build()) {
            owner.capability(EphemeralKeys.class).orElseThrow().onLeaseLoss(message -> {
                threads.add(Thread.currentThread().getName());
                losses.add(message);
            });
            owner.capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/a", "1");
            first.close();
            String message = losses.poll(30, TimeUnit.SECONDS);
            assertThat(message).isNotNull().contains("/" + namespace + "/tensorbus/members/a")
                    .contains("was lost").contains("the master deleted them").contains("Set them again");
            assertThat(threads.poll()).isEqualTo("kvstore-tcp-ephemeral-loss");

            second = TcpStoreServer.builder().port(port).build().start();
            // The store's pooled connections broke with the first server too: a call may fail once.
            await().atMost(LONG).ignoreExceptionsInstanceOf(KVStoreConnectionException.class).until(() -> {
                owner.capability(EphemeralKeys.class).orElseThrow().setEphemeral("members/a", "again");
                return owner.get("members/a").orElseThrow().equals("again");
            });
            assertThat(losses).as("told once per lost connection").isEmpty();
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void anEphemeralValuePastTheLimitIsRefusedBeforeAnythingIsSent() {
        try (TcpKVStore master = TcpKVStore.builder().master(true).host("127.0.0.1").port(0).maxValueBytes(16)
                .namespace("ephemeral-limit").build()) {
            assertThatThrownBy(() -> master.capability(EphemeralKeys.class).orElseThrow().setEphemeralBytes("big",
                    new byte[17]))
                    .isInstanceOf(dev.kvstore.api.KVStoreLimitException.class)
                    .hasMessageContaining("maxValueBytes");
            master.capability(EphemeralKeys.class).orElseThrow().setEphemeral("small", "fits");
            assertThat(master.get("small")).contains("fits");
        }
    }
}
