package dev.kvstore.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.etcd.RequestTimeoutTooShortException;
import dev.kvstore.spring.KVStoreStartupException;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Start failures are told by their type or by gRPC's status in the causes (as etcd answers through jetcd), not by
 * words in the message; the real wrong-password start is in {@code EtcdSecurityTests} and the sample app's
 * {@code FailureReportTest}.
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

    /** A running etcd that no call reaches within the request timeout: the property to raise, not the network. */
    @RequiresEtcd
    @Test
    void aRequestTimeoutTooShortForARunningEtcdNamesItsProperty() {
        try (EtcdServer server = EtcdServer.start()) {
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KVStoreAutoConfiguration.class))
                .withPropertyValues("kvstore.backend=etcd", "kvstore.etcd.endpoints=" + server.endpoint(),
                        "kvstore.etcd.request-timeout=1ns", "kvstore.etcd.connect-timeout=10s")
                .run((context) -> {
                    ManagedKVStore store = context.getBean(ManagedKVStore.class);
                    assertThatExceptionOfType(KVStoreStartupException.class).isThrownBy(store::awaitStarted)
                        .satisfies((ex) -> {
                            assertThat(ex).hasCauseInstanceOf(RequestTimeoutTooShortException.class);
                            FailureAnalysis analysis = new KVStoreStartupFailureAnalyzer().analyze(ex);
                            assertThat(analysis.getDescription()).contains("answers, but")
                                .doesNotContain("could not be reached");
                            assertThat(analysis.getAction()).startsWith("Raise kvstore.etcd.request-timeout")
                                .doesNotContain("kvstore.etcd.connect-timeout");
                        });
                });
        }
    }
}
