package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.GeneratedMessageV3;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Guards the {@code -Pjetcd-native} run: the etcd tests must really run on the gRPC and protobuf versions jetcd
 * declares (not on the ones Spring Boot's BOM lifts them to), or that run proves nothing.
 */
@EnabledIfSystemProperty(named = "kvstore.expected.grpc.version", matches = ".+")
class JetcdVersionsTest {

    @Test
    void grpcAndProtobufAreTheVersionsJetcdDeclares() {
        assertThat(jarOf(ManagedChannel.class))
            .endsWith("grpc-api-" + System.getProperty("kvstore.expected.grpc.version") + ".jar");
        assertThat(jarOf(GeneratedMessageV3.class))
            .endsWith("protobuf-java-" + System.getProperty("kvstore.expected.protobuf.version") + ".jar");
    }

    private static String jarOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation().getPath();
    }

}
