package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.kvstore.CapturedLog;
import dev.kvstore.api.EphemeralKeys;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KeyWatches;
import dev.kvstore.api.Locks;
import dev.kvstore.tcp.protocol.TcpProtocol;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code protocol(AUTO)} and explicit protocols against a real torch master, while another torch client of that master
 * loops set/get: detection and a wrong setting must not disturb it (round trips under 100 ms, the bound of issue 11),
 * and a wrong setting must fail within seconds naming {@code kvstore.tcp.protocol}. Subclasses name the torch version.
 */
@RequiresTorch
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TcpKVStoreProtocolDetectionAgainstTorchTest {

    private static final Duration UNDISTURBED = Duration.ofMillis(100);

    @RegisterExtension
    final CapturedLog featuresLog = new CapturedLog(TcpKVStore.class, Level.INFO);
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
    TcpProtocol speaks() {
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
        return TcpKVStore.builder().host(torch().host()).port(torch().port()).connectTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(30))
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
                assertThat(store.protocol()).contains(speaks());
            }
        }, UNDISTURBED);

        try (TcpKVStore store = client().protocol(TcpProtocol.AUTO).build()) {
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
        List<TcpProtocol> wrong = List.of(TcpProtocol.values()).stream()
                .filter(generation -> generation.isGeneration() && generation != speaks()).toList();
        for (TcpProtocol chosen : wrong) {
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
     * byte, write side closed), which a torch master drops like any unknown request, undisturbed; the store then
     * offers neither capability, says once at INFO why, offers its compare-and-set locks, and keeps working.
     */
    @Test
    void watchesAndEphemeralKeysAreNotOfferedWithoutDisturbingTheMaster() throws Exception {
        try (TcpKVStore store = client().build()) {
            boolean[] offered = new boolean[2];
            // A store of its own per measured attempt: each asks the master anew (the answer is kept per store).
            bystander.assertUndisturbedBy(() -> {
                try (TcpKVStore asking = client().build()) {
                    offered[0] = asking.capability(KeyWatches.class).isPresent();
                    offered[1] = asking.capability(EphemeralKeys.class).isPresent();
                }
            }, UNDISTURBED);
            assertThat(offered).containsExactly(false, false);
            assertThat(featuresLog.messages(Level.INFO)).anySatisfy(line -> {
                assertThat(line).contains("TCPStore master " + torch().host())
                        .contains("is not the Java master (it closed the connection on the extension's IDENTIFY "
                                + "request")
                        .contains("offers no key watches and no ephemeral keys")
                        .contains("PyTorch masters cannot tell that a process died")
                        .contains("Use the Java master");
                if (speaks() == TcpProtocol.LEGACY) {
                    assertThat(line).contains("1.13/2.0's WATCH_KEY watches one existing key, not a prefix");
                }
            });
            assertThat(store.capability(Locks.class)).as("compare-and-set locks work on any master").isPresent();
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
