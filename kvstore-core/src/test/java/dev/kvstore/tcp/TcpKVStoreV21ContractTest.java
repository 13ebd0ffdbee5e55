package dev.kvstore.tcp;

/** The contract against the embedded Java master with PyTorch 2.1's protocol (its own opcode numbering). */
class TcpKVStoreV21ContractTest extends TcpKVStoreContractTest {

    @Override
    protected ProtocolGeneration protocol() {
        return ProtocolGeneration.V2_1;
    }
}
