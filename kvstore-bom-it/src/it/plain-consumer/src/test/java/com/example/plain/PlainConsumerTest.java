package com.example.plain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kvstore-core on the versions kvstore-bom gives a project without Spring Boot, against a real etcd. */
class PlainConsumerTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Test
    void roundTripOnJetcdsOwnGrpc() {
        // Without Boot's BOM, gRPC is the 1.82 line jetcd declares.
        String grpcJar = ManagedChannel.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        assertTrue(grpcJar.contains("grpc-api-1.82."), grpcJar);
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace("plain").build()) {
            store.set("answer", "42");
            assertEquals("42", store.get("answer").orElseThrow());
        }
    }

}
