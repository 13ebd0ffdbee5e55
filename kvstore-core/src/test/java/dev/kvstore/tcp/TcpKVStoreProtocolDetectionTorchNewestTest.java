package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Protocol detection against a real master of the newest torch Debian ships (MODERN), from its chroot. */
class TcpKVStoreProtocolDetectionTorchNewestTest extends TcpKVStoreProtocolDetectionAgainstTorchTest {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torchNewest();

    TcpKVStoreProtocolDetectionTorchNewestTest() {
        super(TORCH);
    }
}
