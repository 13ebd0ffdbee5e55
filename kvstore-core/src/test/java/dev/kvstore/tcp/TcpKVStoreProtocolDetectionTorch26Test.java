package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Protocol detection against a real PyTorch 2.6 master (MODERN), from the chroot {@code .ci/torch-chroot 2.6} provisions. */
class TcpKVStoreProtocolDetectionTorch26Test extends TcpKVStoreProtocolDetectionAgainstTorchTest {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torch26();

    TcpKVStoreProtocolDetectionTorch26Test() {
        super(TORCH);
    }
}
