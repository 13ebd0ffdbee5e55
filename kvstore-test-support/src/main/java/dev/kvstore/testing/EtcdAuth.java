package dev.kvstore.testing;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Switches authentication on for a test etcd: a {@code root} user with the root role, as etcd requires. */
public final class EtcdAuth {

    private EtcdAuth() {
    }

    /**
     * @param endpoint the etcd endpoint, e.g. {@code http://127.0.0.1:2379}
     * @param rootPassword the password of the {@code root} user afterwards
     */
    public static void enableWithRoot(String endpoint, String rootPassword) throws Exception {
        try (Client admin = Client.builder().endpoints(endpoint).build()) {
            Auth auth = admin.getAuthClient();
            auth.userAdd(bytes("root"), bytes(rootPassword)).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

}
