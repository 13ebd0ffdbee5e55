package dev.kvstore.tcp;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TorchMasterExtension;

/**
 * The shared KVStore contract for {@link TcpKVStore} against a real PyTorch master, in the protocol generation that
 * master speaks. Subclasses register the master ({@link TorchMasterExtension} on a static field) and pass it in.
 */
@RequiresTorch
abstract class TcpKVStoreAgainstTorchMasterContract extends KVStoreContractTest {

    private final TorchMasterExtension torch;

    TcpKVStoreAgainstTorchMasterContract(TorchMasterExtension torch) {
        this.torch = torch;
    }

    @Override
    protected KVStore createStore(String namespace, String component) {
        return TcpKVStoreContractTest.client(torch.host(), torch.port(), TorchMasters.speaks(torch.runtime()),
                namespace, component);
    }

    /** Torch has LIST_KEYS from 2.10 on: the newest master lists, 1.13's and 2.6's cannot. */
    @Override
    protected boolean canListKeys() {
        return torch.runtime() == PythonRuntime.TORCH_NEWEST;
    }

    /** TCPStore waits with WAIT and CHECK on the candidates: a timeout names the missing ones. */
    @Override
    protected boolean waitsOnCandidates() {
        return true;
    }
}
