package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared KVStore contract for {@link TcpKVStore} (MODERN protocol) against a real PyTorch 2.6 master. */
class TcpKVStoreAgainstTorch26MasterContractTest extends TcpKVStoreAgainstTorchMasterContract {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torch26();

    TcpKVStoreAgainstTorch26MasterContractTest() {
        super(TORCH);
    }
}
