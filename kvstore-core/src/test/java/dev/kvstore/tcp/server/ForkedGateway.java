package dev.kvstore.tcp.server;

import java.time.Duration;
import java.util.List;

/**
 * A TCPStore gateway on etcd running {@link ForkedGatewayMain} in a child JVM: {@link #kill()} (and {@link #close()})
 * is a SIGKILL, a gateway process dying with its sockets, not a {@link TcpStoreServer#close()}.
 */
final class ForkedGateway implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(120);

    private final ChildJvm jvm;
    private final int port;

    private ForkedGateway(ChildJvm jvm, int port) {
        this.jvm = jvm;
        this.port = port;
    }

    /** Starts a gateway on the etcd endpoints under the key prefix and waits until it listens. */
    static ForkedGateway start(List<String> etcdEndpoints, String prefix) throws InterruptedException {
        ChildJvm jvm = ChildJvm.start(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), ForkedGatewayMain.class,
                String.join(",", etcdEndpoints), prefix);
        try {
            return new ForkedGateway(jvm, Integer.parseInt(jvm.awaitLineStartingWith("PORT ", STARTUP)));
        } catch (RuntimeException | InterruptedException | AssertionError e) {
            jvm.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** SIGKILLs the gateway's JVM. */
    void kill() {
        jvm.close();
    }

    @Override
    public void close() {
        kill();
    }
}
