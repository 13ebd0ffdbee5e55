package dev.kvstore.tcp;

import dev.kvstore.testing.TorchMasterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared KVStore contract for {@link TcpKVStore} (MODERN protocol) against a real master of the newest torch Debian
 * ships (its chroot; skipped, saying why, when Debian unstable cannot provide it), listing included (LIST_KEYS, 2.10+).
 */
class TcpKVStoreAgainstTorchNewestMasterContractTest extends TcpKVStoreAgainstTorchMasterContract {

    @RegisterExtension
    static final TorchMasterExtension TORCH = TorchMasterExtension.torchNewest();

    TcpKVStoreAgainstTorchNewestMasterContractTest() {
        super(TORCH);
    }
}
