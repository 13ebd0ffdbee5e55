package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The consumer's application context against a real etcd, through the BOM-managed starter and jetcd. */
@SpringBootTest(properties = { "kvstore.backend=etcd", "kvstore.namespace=consumer" })
@RequiresEtcd
class ConsumerApplicationTests {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @DynamicPropertySource
    static void etcdEndpoints(DynamicPropertyRegistry registry) {
        registry.add("kvstore.etcd.endpoints", () -> String.join(",", etcd.endpoints()));
    }

    @Autowired
    ConsumerApplication.Rendezvous rendezvous;

    @Autowired
    KVStore store;

    @Test
    void writesThroughTheStarterIntoEtcd() throws Exception {
        rendezvous.ready(3);
        assertThat(rendezvous.isReady(3)).isTrue();
        // Read it back with a plain jetcd client: the key really is in etcd, under {namespace}/{component}/.
        try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
            String key = "consumer/" + store.component() + "/rank:3/ready";
            var response = client.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS);
            assertThat(response.getKvs()).singleElement()
                .satisfies(kv -> assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1"));
        }
    }

}
