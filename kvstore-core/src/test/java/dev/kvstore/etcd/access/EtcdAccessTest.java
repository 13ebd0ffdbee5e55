package dev.kvstore.etcd.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import io.etcd.jetcd.Client;
import io.grpc.Status;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** How gRPC failures become the store's exceptions (pure logic; the real failures are in the fault tests). */
class EtcdAccessTest {

    private static final Client CLIENT = Client.builder().endpoints("http://10.0.0.1:2379").build();

    private final EtcdAccess calls = new EtcdAccess(CLIENT, List.of("http://10.0.0.1:2379"), Duration.ofSeconds(2));

    @AfterAll
    static void closeClient() {
        CLIENT.close();
    }

    @Test
    void aConnectionClosedUnderARunningCallIsAConnectionFailure() {
        // What gRPC reports when a member dies while a call is being sent to it (seen in EtcdClusterSoakTest).
        RuntimeException closed = Status.UNKNOWN.withDescription("channel closed")
                .withCause(new ClosedChannelException()).asRuntimeException();
        assertThat(calls.translate("add to key 'k'", closed))
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining("http://10.0.0.1:2379")
                .hasMessageContaining("channel closed");
    }

    @Test
    void anUnknownFailureWithoutIoCauseStaysGeneric() {
        KVStoreException e = calls.translate("put", Status.UNKNOWN.withDescription("odd").asRuntimeException());
        assertThat(e).isNotInstanceOf(KVStoreConnectionException.class).isNotInstanceOf(KVStoreTimeoutException.class);
    }

    @Test
    void aRefusedPasswordSaysSoWhateverTheOuterStatus() {
        RuntimeException refused = Status.UNAUTHENTICATED.withCause(Status.INVALID_ARGUMENT
                .withDescription("etcdserver: authentication failed, invalid user ID or password")
                .asRuntimeException()).asRuntimeException();
        KVStoreException e = calls.translate("get", refused);
        assertThat(e).isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining("refused the user and password")
                .hasMessageContaining("invalid user ID or password");
        assertThat(EtcdAccess.isAuthenticationFailure(e)).isTrue();
        assertThat(EtcdAccess.isAuthenticationFailure(calls.translate("get",
                Status.UNAUTHENTICATED.withCause(Status.UNAVAILABLE.asRuntimeException()).asRuntimeException())))
                .as("failing to authenticate because etcd is unavailable is transient").isFalse();
    }

    @Test
    void deadlinesAreTimeoutsNamingTheEndpoints() {
        assertThat(calls.translate("get", Status.DEADLINE_EXCEEDED.asRuntimeException()))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("within PT2S")
                .hasMessageContaining("http://10.0.0.1:2379");
    }
}
