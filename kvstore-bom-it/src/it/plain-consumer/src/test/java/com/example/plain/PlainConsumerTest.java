package com.example.plain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.testing.EtcdServerExtension;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kvstore-core on the versions kvstore-bom gives a project without Spring Boot, against a real etcd. */
@RequiresEtcd
class PlainConsumerTest {

    @RegisterExtension
    static final EtcdServerExtension etcd = new EtcdServerExtension();

    @Test
    void roundTripOnTheBomsJetcdAndJetcdsOwnGrpc() {
        // Without Boot's BOM, gRPC is the 1.82 line jetcd declares.
        String grpcJar = jarOf(ManagedChannel.class);
        assertTrue(grpcJar.contains("grpc-api-1.82."), grpcJar);
        // kvstore-bom manages the jetcd that the kvstore build was tested with.
        String jetcdJar = jarOf(Client.class);
        assertTrue(jetcdJar.endsWith("jetcd-core-" + System.getProperty("kvstore.build.jetcd.version") + ".jar"),
                jetcdJar);
        try (EtcdKVStore store = EtcdKVStore.builder().endpoints(etcd.endpoints()).namespace("plain").build()) {
            store.set("answer", "42");
            assertEquals("42", store.get("answer").orElseThrow());
        }
    }

    private static String jarOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation().getPath();
    }

}
