package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared KVStore contract for {@link TcpKVStore} (LEGACY protocol) against a real PyTorch 1.13 master. */
class TcpKVStoreAgainstTorchMasterContractTest extends TcpKVStoreAgainstTorchMasterContract {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torch113();

    TcpKVStoreAgainstTorchMasterContractTest() {
        super(TORCH);
    }
}
