package dev.kvstore.tcp;

/** The contract against the embedded Java master with PyTorch 1.13/2.0's protocol (no CANCEL_WAIT: reconnects). */
class TcpKVStoreLegacyContractTest extends TcpKVStoreContractTest {

    @Override
    protected ProtocolGeneration protocol() {
        return ProtocolGeneration.LEGACY;
    }

    /** Cannot: the LEGACY protocol has no LIST_KEYS. */
    @Override
    protected boolean canListKeys() {
        return false;
    }
}
