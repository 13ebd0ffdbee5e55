package dev.kvstore.tcp;

import java.time.Duration;
import dev.kvstore.api.EphemeralKeys;

/**
 * A child JVM owning an ephemeral key on a Java TCPStore master until killed. Arguments: port, namespace, key. Prints
 * {@code SET} once the key is stored, and {@code LOST <message>} if the owning connection is lost.
 */
public final class EphemeralOwnerChild {

    private EphemeralOwnerChild() {
    }

    public static void main(String[] args) throws Exception {
        TcpKVStore store = TcpKVStore.builder().host("127.0.0.1").port(Integer.parseInt(args[0]))
                .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30)).namespace(args[1])
                .build();
        store.capability(EphemeralKeys.class).orElseThrow()
                .onLeaseLoss(message -> System.out.println("LOST " + message));
        store.capability(EphemeralKeys.class).orElseThrow().setEphemeral(args[2], "alive");
        System.out.println("SET");
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
