package dev.kvstore.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.testing.PythonProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code protocol(AUTO)} and explicit protocols against a real PyTorch 1.13 master, while another torch client of that
 * master loops set/get: detection and a wrong setting must not disturb it (round trips under 100 ms, the bound of
 * issue 11), and a wrong setting must fail within seconds naming {@code kvstore.tcp.protocol}.
 */
class TcpKVStoreProtocolDetectionTorch113Test {

    private static final Duration UNDISTURBED = Duration.ofMillis(100);
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(5);

    private static TorchPeer torch;
    private static TorchLatencyClient bystander;

    @BeforeAll
    static void startMasterAndBystander() throws InterruptedException {
        torch = TorchPeer.master();
        bystander = TorchLatencyClient.start(PythonProcess.start("torch_latency_client.py", "127.0.0.1",
                torch.port()));
    }

    @AfterAll
    static void stop() {
        if (bystander != null) {
            bystander.close();
        }
        if (torch != null) {
            torch.close();
        }
    }

    private static TcpKVStore.Builder client() {
        return TcpKVStore.builder().host("127.0.0.1").port(torch.port()).timeout(Duration.ofSeconds(30))
                .namespace("detect");
    }

    @Test
    void autoDetectsLegacyWithoutDisturbingTheMastersOtherClients() throws Exception {
        bystander.assertUndisturbedBy(() -> {
            try (TcpKVStore store = client().build()) {
                assertThat(store.protocol()).isEqualTo(ProtocolGeneration.LEGACY);
            }
        }, UNDISTURBED);

        try (TcpKVStore store = client().protocol(ProtocolSelection.AUTO).build()) {
            store.set("k", "from java");
            assertThat(torch.getString("detect/tensorbus/k")).isEqualTo("from java");
            torch.set("detect/tensorbus/back", "from torch");
            assertThat(store.get("back")).contains("from torch");
        }
    }

    @Test
    void theRightExplicitProtocolIsAccepted() {
        try (TcpKVStore store = client().protocol(ProtocolGeneration.LEGACY).build()) {
            store.set("explicit", "ok");
            assertThat(store.get("explicit")).contains("ok");
        }
    }

    @Test
    void wrongExplicitProtocolsFailWithinSecondsNamingThePropertyWithoutDisturbingTheMaster() throws Exception {
        for (ProtocolGeneration wrong : new ProtocolGeneration[] {ProtocolGeneration.MODERN, ProtocolGeneration.V2_1}) {
            bystander.assertUndisturbedBy(() -> {
                long start = System.nanoTime();
                assertThatThrownBy(() -> client().protocol(wrong).build())
                        .isInstanceOf(KVStoreConnectionException.class)
                        .hasMessageContaining("kvstore.tcp.protocol")
                        .hasMessageContaining("does not serve the " + wrong + " protocol")
                        .hasMessageContaining("It speaks LEGACY")
                        .hasMessageContaining("to auto (the default) or legacy");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAILS_WITHIN);
            }, UNDISTURBED);
        }
        assertThat(torch.numKeys()).as("the master still serves").isPositive();
    }

    /** The measure sees a stall: what the 2.2+ handshake sent as such (the old default) does to this master. */
    @Test
    void aHandshakeLeftUnfinishedStallsTheMasterAndTheMeasureSeesIt() throws Exception {
        TorchLatencyClient.Measurement stalled = bystander.during(() -> {
            try (Socket socket = new Socket("127.0.0.1", torch.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {0, (byte) 0xCE, (byte) 0xF7, (byte) 0x85, 0x3C});
                out.flush();
                TimeUnit.MILLISECONDS.sleep(600); // the stall under test, not synchronisation
            }
        });
        assertThat(stalled.maxMillis()).isGreaterThan(300);
    }
}
