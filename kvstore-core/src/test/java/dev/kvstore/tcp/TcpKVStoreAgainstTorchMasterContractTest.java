package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchPeer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared KVStore contract for {@link TcpKVStore} (LEGACY protocol) against a real PyTorch 1.13 master. */
@RequiresTorch
class TcpKVStoreAgainstTorchMasterContractTest extends KVStoreContractTest {

    private static TorchPeer torch;

    @BeforeAll
    static void startMaster() throws InterruptedException {
        torch = TorchPeer.master();
    }

    @AfterAll
    static void stopMaster() {
        if (torch != null) {
            torch.close();
        }
    }

    @Override
    protected KVStore createStore(String namespace, String component) {
        return TcpKVStore.builder()
                .host("127.0.0.1")
                .port(torch.port())
                .protocol(ProtocolGeneration.LEGACY)
                .timeout(Duration.ofSeconds(30))
                .namespace(namespace)
                .component(component)
                .build();
    }

    @Override
    protected boolean requiresCandidateKeys() {
        return true;
    }

    /** Cannot: torch 1.13 has no LIST_KEYS. */
    @Override
    protected boolean canListKeys() {
        return false;
    }
}
