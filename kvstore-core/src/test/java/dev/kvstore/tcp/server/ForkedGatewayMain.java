package dev.kvstore.tcp.server;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A TCPStore gateway on etcd in a JVM of its own, so that a test can kill it with SIGKILL (a process dying, not a
 * {@link TcpStoreServer#close()}). Arguments: etcd endpoints (comma-separated), key prefix. Prints {@code PORT <n>}
 * once listening; stops on {@code QUIT} or EOF on stdin.
 */
public final class ForkedGatewayMain {

    private ForkedGatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        EtcdKVStore.Builder etcd = EtcdKVStore.builder().endpoints(List.of(args[0].split(",")))
                .requestTimeout(Duration.ofSeconds(10));
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).store(EtcdServerStore.of(etcd, args[1]))
                .build().start()) {
            System.out.println("PORT " + server.port());
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = commands.readLine(); line != null && !line.equals("QUIT");
                    line = commands.readLine()) {
                // Only QUIT is understood.
            }
        }
    }
}
