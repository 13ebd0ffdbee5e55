package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import dev.kvstore.testing.TorchPeer;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code protocol(AUTO)} and explicit protocols against a real torch master, while another torch client of that master
 * loops set/get: detection and a wrong setting must not disturb it (round trips under 100 ms, the bound of issue 11),
 * and a wrong setting must fail within seconds naming {@code kvstore.tcp.protocol}. Subclasses name the torch version.
 */
@RequiresTorch
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TcpKVStoreProtocolDetectionAgainstTorchTest {

    private static final Duration UNDISTURBED = Duration.ofMillis(100);
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(5);
    private static final Duration REPLY = Duration.ofSeconds(60);

    private final TorchMasterExtension torch;
    private TorchLatencyClient bystander;

    /** @param torch the master under test (a static {@code @RegisterExtension} field of the subclass) */
    TcpKVStoreProtocolDetectionAgainstTorchTest(TorchMasterExtension torch) {
        this.torch = torch;
    }

    TorchMasterExtension torch() {
        return torch;
    }

    /** @return the generation the master speaks */
    ProtocolGeneration speaks() {
        return TorchMasters.speaks(torch.runtime());
    }

    @BeforeAll
    void startBystander() throws InterruptedException {
        bystander = TorchLatencyClient.start(torch().startClient("torch_latency_client.py", torch().host(),
                torch().port()));
    }

    @AfterAll
    void stopBystander() {
        if (bystander != null) {
            bystander.close();
        }
    }

    private TcpKVStore.Builder client() {
        return TcpKVStore.builder().host(torch().host()).port(torch().port()).timeout(Duration.ofSeconds(30))
                .namespace("detect");
    }

    /** One command to the master's own {@code torch_tcpstore_peer.py}; see that script. */
    private String onMaster(String line) throws InterruptedException {
        PythonProcess master = torch().master();
        master.send(line);
        String reply = master.awaitLineStartingWith("R ", REPLY);
        assertThat(reply).as("torch master: " + line).doesNotStartWith("ERROR");
        return reply;
    }

    @Test
    void autoDetectsTheGenerationWithoutDisturbingTheMastersOtherClients() throws Exception {
        bystander.assertUndisturbedBy(() -> {
            try (TcpKVStore store = client().build()) {
                assertThat(store.protocol()).isEqualTo(speaks());
            }
        }, UNDISTURBED);

        try (TcpKVStore store = client().protocol(ProtocolSelection.AUTO).build()) {
            store.set("k", "from java");
            assertThat(TorchPeer.unhex(onMaster("get detect/tensorbus/k"))).isEqualTo("from java".getBytes());
            onMaster("set detect/tensorbus/back " + TorchPeer.hex("from torch".getBytes()));
            assertThat(store.get("back")).contains("from torch");
        }
    }

    @Test
    void theRightExplicitProtocolIsAccepted() {
        try (TcpKVStore store = client().protocol(speaks()).build()) {
            store.set("explicit", "ok");
            assertThat(store.get("explicit")).contains("ok");
        }
    }

    @Test
    void wrongExplicitProtocolsFailWithinSecondsNamingThePropertyWithoutDisturbingTheMaster() throws Exception {
        List<ProtocolGeneration> wrong = List.of(ProtocolGeneration.values()).stream()
                .filter(generation -> generation != speaks()).toList();
        for (ProtocolGeneration chosen : wrong) {
            bystander.assertUndisturbedBy(() -> {
                long start = System.nanoTime();
                assertThatThrownBy(() -> client().protocol(chosen).build())
                        .isInstanceOf(KVStoreConnectionException.class)
                        .hasMessageContaining("does not serve the " + chosen + " protocol chosen by "
                                + "kvstore.tcp.protocol")
                        .hasMessageContaining("It speaks " + speaks())
                        .hasMessageContaining("to auto (the default) or " + speaks().name().toLowerCase());
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAILS_WITHIN);
            }, UNDISTURBED);
        }
        assertThat(Long.parseLong(onMaster("num_keys"))).as("the master still serves").isPositive();
    }

    /**
     * Watches and ephemeral keys need the Java master: the store asks with the extension's IDENTIFY (one complete
     * byte, write side closed), which a torch master drops like any unknown request, undisturbed; every call then
     * fails saying why, and the store keeps working.
     */
    @Test
    void watchesAndEphemeralKeysAreRefusedClearlyWithoutDisturbingTheMaster() throws Exception {
        KVWatch.Listener ignored = new KVWatch.Listener() {
            @Override
            public void onReset(Map<String, byte[]> state, long revision, String reason) {
            }

            @Override
            public void onChanges(List<KVWatch.Change> changes) {
            }
        };
        try (TcpKVStore store = client().build()) {
            UnsupportedOperationException[] refused = new UnsupportedOperationException[1];
            // A store of its own per measured attempt: each asks the master anew (the answer is kept per store).
            bystander.assertUndisturbedBy(() -> {
                try (TcpKVStore asking = client().build()) {
                    refused[0] = catchThrowableOfType(() -> asking.watch("w/", ignored),
                            UnsupportedOperationException.class);
                }
            }, UNDISTURBED);
            assertThat(refused[0]).hasMessageContaining("cannot watch keys on the master at " + torch().host())
                    .hasMessageContaining("this master is not one (it closed the connection on the extension's "
                            + "IDENTIFY request")
                    .hasMessageContaining("Use the Java master");
            if (speaks() == ProtocolGeneration.LEGACY) {
                assertThat(refused[0]).hasMessageContaining("1.13/2.0's WATCH_KEY is not used: it watches one");
            }
            assertThatThrownBy(() -> store.setEphemeral("member", "1"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no ephemeral keys")
                    .hasMessageContaining("a PyTorch master cannot tell that a process died");
            assertThatThrownBy(() -> store.onLeaseLoss(message -> { }))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("no lease to lose");
            assertThat(store.exists("member")).isFalse();
            store.set("after-probe", "served");
            assertThat(TorchPeer.unhex(onMaster("get detect/tensorbus/after-probe"))).isEqualTo("served".getBytes());
        }
    }

    /**
     * The measure sees a stall: a request left unfinished (VALIDATE, then only the opcode of a SET) blocks this
     * master's reads, which is what the 2.2+ handshake alone does to a legacy master.
     */
    @Test
    void anUnfinishedRequestStallsTheMasterAndTheMeasureSeesIt() throws Exception {
        TorchLatencyClient.Measurement stalled = bystander.during(() -> {
            try (Socket socket = new Socket(torch().host(), torch().port())) {
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C, 1});
                out.flush();
                TimeUnit.MILLISECONDS.sleep(600); // the stall under test, not synchronisation
            }
        });
        assertThat(stalled.maxMillis()).isGreaterThan(300);
    }
}
