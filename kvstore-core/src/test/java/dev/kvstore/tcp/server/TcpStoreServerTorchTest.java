package dev.kvstore.tcp.server;

import static dev.kvstore.tcp.protocol.wire.Command.GET;
import static dev.kvstore.tcp.protocol.wire.Command.SET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real PyTorch clients using the Java server as their TCPStore master: torch 1.13 ({@code /usr/bin/python3}, the
 * LEGACY protocol), torch 2.6 and the newest Debian torch (their chroots, the 2.2+ protocol; the newest skips when
 * Debian unstable cannot provide it): every store method each has, server-side waits,
 * world_size registration and gloo all_reduce jobs, one of them mixing both versions.
 */
@RequiresTorch
class TcpStoreServerTorchTest {

    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    final RunningServer running = new RunningServer();
    private final TcpStoreServer server = running.server();
    private WireConnection javaClient;

    private PythonProcess python(String script, Object... args) {
        return python(PythonRuntime.TORCH_1_13, script, args);
    }

    private PythonProcess python(PythonRuntime runtime, String script, Object... args) {
        PythonProcess process = PythonProcess.start(runtime, script, args);
        running.track(process);
        return process;
    }

    /** Reads a key as a 1.13 peer on the wire would: no "/" added here, the caller passes the wire key. */
    private String javaGet(String wireKey) throws IOException {
        javaClient().request(GET).str(wireKey).send();
        return javaClient().readString();
    }

    /** One Java wire connection per test, opened on first use. */
    private WireConnection javaClient() throws IOException {
        if (javaClient == null) {
            javaClient = running.connect(TcpProtocol.MODERN);
        }
        return javaClient;
    }

    @ParameterizedTest
    @EnumSource(PythonRuntime.class)
    void everyStoreMethodOfATorchClient(PythonRuntime runtime) throws Exception {
        PythonProcess client = python(runtime, "torch_client_store_ops.py", "127.0.0.1", server.port());
        Map<String, String> results = new HashMap<>();
        while (true) {
            String line = client.awaitLine(l -> l.contains("=") || l.equals("DONE"), PYTHON_TIMEOUT);
            if (line.equals("DONE")) {
                break;
            }
            int eq = line.indexOf('=');
            results.put(line.substring(0, eq), line.substring(eq + 1));
        }
        client.assertSucceeds(PYTHON_TIMEOUT);

        assertThat(results).containsEntry("get", "hello")
                .containsEntry("binary", "000102ff")
                .containsEntry("add1", "5")
                .containsEntry("add2", "3")
                .containsEntry("counter", "3")
                .containsEntry("cas_new", "first")
                .containsEntry("cas_swap", "second")
                .containsEntry("cas_miss", "second")
                .containsEntry("num_keys", "4")
                .containsEntry("delete", "True")
                .containsEntry("delete_again", "False")
                .containsEntry("num_keys_after_delete", "3")
                .containsEntry("wait_present", "ok");
        assertThat(results.get("wait_timeout")).as("torch raises on a wait timeout").startsWith("raised");
        if (runtime != PythonRuntime.TORCH_1_13) {
            assertThat(results).containsEntry("check_present", "True")
                    .containsEntry("check_missing", "False")
                    .containsEntry("append", "abc")
                    .containsEntry("append_new", "00ff")
                    .containsEntry("multi_get", "07,6f6e65,-,616263")
                    .containsEntry("num_keys_extended", "8")
                    .containsEntry("wait_present_timeout", "ok")
                    .containsEntry("after_timeout", "1");
            assertThat(results.get("wait_timeout_after")).startsWith("raised");
            assertThat(javaGet("/log")).isEqualTo("abc");
        }
        if (runtime == PythonRuntime.TORCH_2_6) {
            assertThat(results).as("torch 2.6 has no queue API, no list_keys, no clone")
                    .containsEntry("queue", "absent").doesNotContainKeys("list_keys", "clone");
        }
        if (runtime == PythonRuntime.TORCH_NEWEST) {
            // "/"-prefixed on the wire; torch's list_keys hands back its own keys without the "/".
            assertThat(results).containsEntry("list_keys", "after,binary,cas,counter,fresh,log,m1,m2,m3");
            assertThat(results).containsEntry("clone", "cloned").containsEntry("clone_add", "3");
            assertThat(results.get("queue")).as("Debian's build has no libuv; its Python client refuses queues")
                    .startsWith("refused");
            assertThat(javaGet("/from_clone")).isEqualTo("cloned");
        }

        // The server keeps keys exactly as torch sent them: "/" + user key.
        assertThat(javaGet("/counter")).isEqualTo("3");
        assertThat(javaGet("/cas")).isEqualTo("second");
        // The timed-out wait of the exited client is gone with its connection.
        await().until(() -> server.waiterCount() == 0);
    }

    /**
     * The same raw 1.13 session (every legacy command, waits, WATCH_KEY notifications, the error cases) against a
     * real torch 1.13 master and against this server: the reply bytes must be identical.
     */
    @Test
    void rawSessionRepliesMatchATorch113MasterByteForByte() throws Exception {
        PythonProcess session = python("server_differential_session.py", "127.0.0.1", server.port());
        TorchRanks.assertSessionMatchesTorch(session, PYTHON_TIMEOUT, 30, "get_missing:EOF", "watch_ack:03");
    }

    /**
     * The same raw 2.2+ session (VALIDATE, PING, every command torch 2.6 has, waits answered by each kind of write,
     * CANCEL_WAIT with and without a pending wait, the error cases) against a real torch 2.6 master and against this
     * server: the reply bytes must be identical.
     */
    @Test
    void rawModernSessionRepliesMatchATorch26MasterByteForByte() throws Exception {
        PythonProcess session = python(PythonRuntime.TORCH_2_6, "server_differential_session.py", "127.0.0.1",
                server.port(), "modern");
        TorchRanks.assertSessionMatchesTorch(session, PYTHON_TIMEOUT, 32, "ping:92100000", "cancel_pending_wait:01",
                "get_missing:EOF");
    }

    @Test
    void torchGetBlocksServerSideUntilJavaSetsTheKey() throws Exception {
        PythonProcess waiter = python("torch_client_wait_for_java.py", "127.0.0.1", server.port(), "late");
        PythonProcess vanishing = python("torch_client_wait_for_java.py", "127.0.0.1", server.port(), "late");
        waiter.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        vanishing.awaitLine("WAITING"::equals, PYTHON_TIMEOUT);
        await().atMost(PYTHON_TIMEOUT).until(() -> server.waiterCount() == 2);

        vanishing.close();
        await().until(() -> server.waiterCount() == 1);

        WireConnection java = running.connect(TcpProtocol.MODERN);
        java.request(SET).str("/late").bytes("set by java".getBytes(StandardCharsets.UTF_8)).send();
        assertThat(waiter.awaitLineStartingWith("GOT=", PYTHON_TIMEOUT)).isEqualTo("set by java");
        waiter.assertSucceeds(PYTHON_TIMEOUT);
    }

    @ParameterizedTest
    @EnumSource(PythonRuntime.class)
    void glooJobOfThreeRanksAllReducesThroughTheJavaStore(PythonRuntime runtime) throws Exception {
        runGlooJob(List.of(runtime, runtime, runtime));
    }

    /**
     * One job, both protocol generations on one master at once: torch 1.13 (LEGACY) and torch 2.6 (2.2+) ranks register
     * with world_size, exchange keys, add and meet at a barrier through the store. (Their gloo process groups cannot
     * form one group: 1.13 and 2.6 use different store keys for it, whatever the store.)
     */
    @Test
    void jobMixingTorch113AndTorch26RanksOnOneJavaStore() throws Exception {
        PythonRuntime.TORCH_2_6.require();
        runGlooJob(List.of(PythonRuntime.TORCH_2_6, PythonRuntime.TORCH_1_13, PythonRuntime.TORCH_2_6),
                "store-only");
        assertThat(javaGet("/arrived")).isEqualTo("3");
    }

    private void runGlooJob(List<PythonRuntime> runtimes, Object... mode) throws Exception {
        int worldSize = runtimes.size();
        List<PythonProcess> ranks = new ArrayList<>();
        for (int rank = 0; rank < worldSize; rank++) {
            List<Object> args = new ArrayList<>(List.of("127.0.0.1", server.port(), rank, worldSize));
            args.addAll(List.of(mode));
            ranks.add(python(runtimes.get(rank), "torch_client_gloo_rank.py", args.toArray()));
        }
        TorchRanks.assertGlooJobCompletes(ranks, PYTHON_TIMEOUT);
        TorchRanks.assertJobRegistered(javaClient(), worldSize);
        await().until(() -> server.connectionCount() == 1); // only javaGet's connection is left
    }
}
