package dev.kvstore.tcp.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TcpStoreServer} on loopback port 0 for one test, and what the test opened against it (wire connections,
 * Python peers): after the test those are closed, last opened first, and then the server.
 *
 * <pre>{@code
 * @RegisterExtension
 * final RunningServer running = new RunningServer();
 * private final TcpStoreServer server = running.server();
 * }</pre>
 *
 * <p>Register it on an instance field: the server starts when the test instance is created, one per test.
 */
final class RunningServer implements AfterEachCallback {

    private final TcpStoreServer server;
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** A server with the default settings. */
    RunningServer() {
        this(settings -> settings);
    }

    /** A server with the settings applied to a builder on port 0. */
    RunningServer(UnaryOperator<TcpStoreServer.Builder> settings) {
        server = settings.apply(TcpStoreServer.builder().port(0)).build().start();
    }

    TcpStoreServer server() {
        return server;
    }

    /** Closes the resource after the test, before the server, and returns it. */
    <T extends AutoCloseable> T track(T resource) {
        synchronized (opened) {
            opened.add(resource);
        }
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            synchronized (opened) {
                for (int i = opened.size() - 1; i >= 0; i--) {
                    opened.get(i).close();
                }
                opened.clear();
            }
        } finally {
            server.close();
        }
    }
}
