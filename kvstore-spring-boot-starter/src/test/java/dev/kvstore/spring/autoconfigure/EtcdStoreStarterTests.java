package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStoreConnectionException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * Refused credentials are told by gRPC's status in the causes (as etcd answers through jetcd), not by words in the
 * message; the real wrong-password start is in {@code EtcdSecurityTests} and the sample app's {@code FailureReportTest}.
 */
class EtcdStoreStarterTests {

    @Test
    void permissionDeniedInTheCausesIsRefusedCredentialsWhateverTheMessageSays() {
        KVStoreConnectionException denied = new KVStoreConnectionException("cannot use etcd at [http://127.0.0.1:1]",
                new KVStoreConnectionException("etcd connection check failed",
                        Status.PERMISSION_DENIED.asRuntimeException()));
        assertThat(EtcdStoreStarter.refusedCredentials(denied)).isTrue();
        assertThat(EtcdStoreStarter.refusedCredentials(new KVStoreConnectionException("etcd refused",
                Status.UNAUTHENTICATED.asException()))).isTrue();
    }

    @Test
    void aMessageThatSpeaksOfAuthenticationIsNotEnough() {
        KVStoreConnectionException unavailable = new KVStoreConnectionException(
                "etcd authentication failed: user and password not checked, permission denied",
                Status.UNAVAILABLE.asRuntimeException());
        assertThat(EtcdStoreStarter.refusedCredentials(unavailable)).isFalse();
    }
}
