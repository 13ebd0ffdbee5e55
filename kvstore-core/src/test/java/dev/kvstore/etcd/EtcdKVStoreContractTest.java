package dev.kvstore.etcd;

import dev.kvstore.api.KVStore;
import dev.kvstore.api.KVStoreContractTest;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared contract on a real etcd (one server for the class; every test uses its own namespace). */
@RequiresEtcd
class EtcdKVStoreContractTest extends KVStoreContractTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Override
    protected KVStore createStore(String namespace, String component) {
        return EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace(namespace).component(component).build();
    }

    @Override
    protected boolean hasLeases() {
        return true;
    }

    @Override
    protected boolean canWatch() {
        return true;
    }
}
