package dev.kvstore.tcp;

import dev.kvstore.tcp.protocol.TcpProtocol;

/** The contract against the embedded Java master with PyTorch 1.13/2.0's protocol (no CANCEL_WAIT: reconnects). */
class TcpKVStoreLegacyContractTest extends TcpKVStoreContractTest {

    @Override
    protected TcpProtocol protocol() {
        return TcpProtocol.LEGACY;
    }

    /** Cannot: the LEGACY protocol has no LIST_KEYS. */
    @Override
    protected boolean canListKeys() {
        return false;
    }
}
