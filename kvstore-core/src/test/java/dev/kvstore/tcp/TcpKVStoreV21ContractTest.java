package dev.kvstore.tcp;

import dev.kvstore.tcp.protocol.TcpProtocol;

/** The contract against the embedded Java master with PyTorch 2.1's protocol (its own opcode numbering). */
class TcpKVStoreV21ContractTest extends TcpKVStoreContractTest {

    @Override
    protected TcpProtocol protocol() {
        return TcpProtocol.V2_1;
    }

    /** Cannot: the V2_1 protocol has no LIST_KEYS. */
    @Override
    protected boolean canListKeys() {
        return false;
    }
}
