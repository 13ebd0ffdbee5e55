package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared KVStore contract for {@link TcpKVStore} (MODERN protocol) against a real PyTorch 2.6 master. */
@RequiresTorch
class TcpKVStoreAgainstTorch26MasterContractTest extends KVStoreContractTest {

    @RegisterExtension
    static final TorchMasterExtension torch = TorchMasterExtension.torch26();

    @Override
    protected KVStore createStore(String namespace, String component) {
        return TcpKVStore.builder()
                .host(torch.host())
                .port(torch.port())
                .protocol(ProtocolGeneration.MODERN)
                .timeout(Duration.ofSeconds(30))
                .namespace(namespace)
                .component(component)
                .build();
    }

    @Override
    protected boolean requiresCandidateKeys() {
        return true;
    }

    /** Cannot: torch 2.6 has no LIST_KEYS (2.10+). */
    @Override
    protected boolean canListKeys() {
        return false;
    }
}
