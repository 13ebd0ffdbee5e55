package dev.kvstore.spring.test.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.spring.test.KVStoreTest;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link KVStoreTest @KVStoreTest} against a given, real etcd: the backend declared on the class wins over the
 * embedded master, the endpoints come from a dynamic property.
 */
@RequiresEtcd
@KVStoreTest(properties = "kvstore.namespace=slice-etcd")
@TestPropertySource(properties = "kvstore.backend=etcd")
// Closed after the test, while etcd still runs (the extension stops it after the class).
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class KVStoreTestOnEtcdTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @DynamicPropertySource
    static void etcdEndpoints(DynamicPropertyRegistry registry) {
        registry.add("kvstore.etcd.endpoints", etcd::endpoint);
    }

    @Autowired
    KVStore store;

    @Autowired
    ApplicationContext context;

    @Test
    void theStoreIsOnTheGivenEtcdAndTheSliceLeavesOutTheRestOfTheApplication() {
        ManagedKVStore managed = (ManagedKVStore) this.store;
        assertThat(managed.backend()).isEqualTo("etcd");
        assertThat(managed.delegate()).isInstanceOf(EtcdKVStore.class);
        assertThat(managed.endpoint()).isEqualTo(etcd.endpoint());
        this.store.set("k", "on etcd");
        try (EtcdKVStore direct = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace("slice-etcd").build()) {
            assertThat(direct.get("k")).contains("on etcd");
        }
        assertThat(this.context.getBeansOfType(ApplicationService.class)).isEmpty();
    }

}
