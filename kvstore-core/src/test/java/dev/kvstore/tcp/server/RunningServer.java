package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.testing.TrackedResources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TcpStoreServer} on loopback port 0 for one test, and what the test opened against it (wire connections,
 * raw sockets, Python peers): after the test those are closed, last opened first, and then the server.
 *
 * <pre>{@code
 * @RegisterExtension
 * final RunningServer running = new RunningServer();
 * private final TcpStoreServer server = running.server();
 * }</pre>
 *
 * <p>Register it on an instance field: the server starts when the test instance is created, one per test. Tests
 * whose settings differ from test to test register {@link #startedByEachTest()} and call {@link #start}.
 */
final class RunningServer implements AfterEachCallback {

    /** Read timeout of {@link #rawSocket()}: a reply that does not come fails the test instead of hanging it. */
    private static final int RAW_SOCKET_TIMEOUT_MILLIS = 10_000;

    private TcpStoreServer server;
    private final TrackedResources opened = new TrackedResources();

    /** A server with the default settings. */
    RunningServer() {
        this(settings -> settings);
    }

    /** A server with the settings applied to a builder on port 0. */
    RunningServer(UnaryOperator<TcpStoreServer.Builder> settings) {
        start(settings.apply(TcpStoreServer.builder()));
    }

    private RunningServer(Void none) {
    }

    /** No server until the test calls {@link #start}. */
    static RunningServer startedByEachTest() {
        return new RunningServer((Void) null);
    }

    /** Starts the builder's server on port 0 (one per test); it is closed after the test. */
    TcpStoreServer start(TcpStoreServer.Builder builder) {
        if (server != null) {
            throw new IllegalStateException("a server is already running for this test: " + server);
        }
        server = builder.port(0).build().start();
        return server;
    }

    TcpStoreServer server() {
        if (server == null) {
            throw new IllegalStateException("no server started yet: call start(builder) first");
        }
        return server;
    }

    /** A connection to the server in the generation (VALIDATE sent for MODERN), closed after the test. */
    WireConnection connect(TcpProtocol generation) throws IOException {
        return track(WireConnection.open(server().port(), generation));
    }

    /** A plain loopback socket to the server (no handshake, TCP_NODELAY, bounded reads), closed after the test. */
    Socket rawSocket() throws IOException {
        Socket socket = track(new Socket(InetAddress.getLoopbackAddress(), server().port()));
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(RAW_SOCKET_TIMEOUT_MILLIS);
        return socket;
    }

    /** Closes the resource after the test, before the server, and returns it. */
    <T extends AutoCloseable> T track(T resource) {
        return opened.track(resource);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            opened.closeAll();
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
