package dev.kvstore.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.RequiresEtcd;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User/password authentication on a real etcd with auth enabled (its own server, as enabling auth is global). The
 * users {@code alice} and {@code carol} may only read and write the namespace {@code alice-ns/}.
 */
@RequiresEtcd
class EtcdKVStoreAuthTest {

    private static EtcdServer server;

    @BeforeAll
    static void startWithAuth() throws Exception {
        server = EtcdServer.start();
        try (Client admin = Client.builder().endpoints(server.endpoint()).build()) {
            Auth auth = admin.getAuthClient();
            auth.userAdd(bytes("root"), bytes("root-secret")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("alice-role")).get(10, TimeUnit.SECONDS);
            auth.roleGrantPermission(bytes("alice-role"), bytes("alice-ns/"), bytes("alice-ns0"),
                    Permission.Type.READWRITE).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("alice"), bytes("alice-secret")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("alice"), bytes("alice-role")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("carol"), bytes("carol-secret")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("carol"), bytes("alice-role")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static EtcdKVStore.Builder alice() {
        return EtcdKVStore.builder().endpoints(server.endpoint()).namespace("alice-ns")
                .connectTimeout(Duration.ofSeconds(5));
    }

    @Test
    void aUserWorksInTheNamespaceSheMayUse() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (EtcdKVStore store = alice().user("alice").password("alice-secret").build();
                EtcdKVStore peer = alice().user("alice").password("alice-secret").build()) {
            Future<byte[]> waiter = pool.submit(() -> store.waitForKey("ready", Duration.ofSeconds(30)));
            peer.set("ready", "yes");
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo("yes".getBytes(StandardCharsets.UTF_8));
            assertThat(store.add("count", 2)).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWrongPasswordIsAClearConnectionError() {
        assertThatThrownBy(() -> alice().user("alice").password("wrong").build())
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining(server.endpoint())
                .hasMessageContaining("alice");
    }

    @Test
    void noCredentialsOnAnAuthEnabledClusterIsAClearConnectionError() {
        assertThatThrownBy(() -> alice().build())
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining(server.endpoint());
    }

    /**
     * A running store whose password is changed underneath it: calls and waits fail at once with a connection error
     * saying the credentials were refused (a wait does not retry them until its timeout), never a hang.
     */
    @Test
    void credentialsRefusedWhileTheStoreRunsAreAClearConnectionError() throws Exception {
        try (Client admin = Client.builder().endpoints(server.endpoint()).user(bytes("root"))
                .password(bytes("root-secret")).build();
                EtcdKVStore store = alice().user("carol").password("carol-secret").build()) {
            store.set("carol", "written before the password changed");
            admin.getAuthClient().userChangePassword(bytes("carol"), bytes("changed")).get(10, TimeUnit.SECONDS);

            assertThatThrownBy(() -> store.set("carol", "after"))
                    .isInstanceOf(KVStoreConnectionException.class)
                    .hasMessageContaining(server.endpoint())
                    .hasMessageContaining("refused the user and password")
                    .hasMessageContaining("authentication failed");
            assertThatThrownBy(() -> store.waitForKey("never-written", Duration.ofMinutes(10)))
                    .isInstanceOf(KVStoreConnectionException.class)
                    .hasMessageContaining("authentication failed");
        }
    }

    @Test
    void aNamespaceOutsideTheUsersPermissionIsRefused() {
        assertThatThrownBy(() -> alice().namespace("bob-ns").user("alice").password("alice-secret").build())
                .isInstanceOf(KVStoreConnectionException.class)
                .hasMessageContaining("permission denied");
    }
}
