package dev.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real etcd per test class whose client port speaks TLS, with {@link TestCertificates} made by openssl in a temp
 * directory (a CA, the server's certificate, a client certificate). By default the server requires client
 * certificates (mutual TLS). The class is skipped when {@value TestCertificates#OPENSSL} is missing.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdTlsServerExtension etcd = new EtcdTlsServerExtension();
 * ... EtcdKVStore.builder().endpoints(etcd.server().endpoint()).caCertificate(etcd.certificates().caCertificate()) ...
 * }</pre>
 */
public final class EtcdTlsServerExtension implements BeforeAllCallback, AfterAllCallback {

    private final boolean requireClientCertificates;
    private @Nullable Path directory;
    private @Nullable TestCertificates certificates;
    private @Nullable EtcdServer server;

    /** A server that requires client certificates. */
    public EtcdTlsServerExtension() {
        this(true);
    }

    /** A server that requires client certificates or not. */
    public EtcdTlsServerExtension(boolean requireClientCertificates) {
        this.requireClientCertificates = requireClientCertificates;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        try {
            directory = Files.createTempDirectory("kvstore-tls-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for the test certificates", e);
        }
        certificates = TestCertificates.create(directory);
        server = EtcdServer.startTls(certificates.serverTls(requireClientCertificates));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
        if (directory != null) {
            TempDirectories.deleteTree(directory);
            directory = null;
        }
    }

    /** @return the running server ({@link EtcdServer#endpoint()} is its {@code https://} endpoint) */
    public EtcdServer server() {
        if (server == null) {
            throw new IllegalStateException("etcd is not started: register " + getClass().getSimpleName()
                    + " on a static field with @RegisterExtension");
        }
        return server;
    }

    /** @return the CA, server and client certificates the server was started with */
    public TestCertificates certificates() {
        server();
        return certificates;
    }
}
