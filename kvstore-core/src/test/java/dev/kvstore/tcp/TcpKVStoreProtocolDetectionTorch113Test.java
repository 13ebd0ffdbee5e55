package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Protocol detection against a real PyTorch 1.13 master (LEGACY). */
class TcpKVStoreProtocolDetectionTorch113Test extends TcpKVStoreProtocolDetectionAgainstTorchTest {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torch113();

    TcpKVStoreProtocolDetectionTorch113Test() {
        super(TORCH);
    }
}
