package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.TestCertificates;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PACKAGED sample application ({@code java -jar}) with its etcd certificates inside the jar, given as
 * {@code classpath:} locations, against a real etcd that requires mutual TLS. A {@code Path} property failed there
 * ("cannot be resolved to absolute file path ... jar:nested:"). Runs in the {@code integration-test} phase (JUnit tag
 * {@code packaged}), after {@code package} built the jar.
 */
@RequiresEtcd
@Tag("packaged")
class PackagedEtcdTlsTest {

    /** Where the certificates are inside the jar (BOOT-INF/classes is the application's class path root). */
    private static final String CLASSPATH_DIR = "etcd-tls/";

    private static final Duration STARTUP = Duration.ofSeconds(120);

    @TempDir
    static Path directory;

    static TestCertificates certificates;

    static Path jar;

    @BeforeAll
    static void packagedJarWithCertificates() throws Exception {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        Path packaged = Path.of("target", "kvstore-sample-app.jar");
        assertThat(packaged).as("the packaged app: run the test in the verify phase, after package").isRegularFile();
        certificates = TestCertificates.create(directory.resolve("pem"));
        jar = directory.resolve("kvstore-sample-app-with-certificates.jar");
        Files.copy(packaged, jar);
        // Added next to the application's classes; the nested library jars stay as they are (stored).
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            Path target = zip.getPath("BOOT-INF/classes/" + CLASSPATH_DIR);
            Files.createDirectories(target);
            for (Path pem : List.of(certificates.caCertificate(), certificates.clientCertificate(),
                    certificates.clientKey())) {
                Files.copy(pem, target.resolve(pem.getFileName().toString()));
            }
        }
    }

    @Test
    void certificatesOnTheClassPathOfThePackagedJarReachATlsEtcd() throws Exception {
        try (EtcdServer etcd = EtcdServer.startTls(certificates.serverTls(true))) {
            int httpPort = FreePorts.pick();
            try (AppProcess app = AppProcess.startJar(jar,
                    args(etcd, httpPort, CLASSPATH_DIR + certificates.caCertificate().getFileName()))) {
                // The store starts after "Started SampleApplication" (readiness follows it).
                app.awaitLine((line) -> line.contains("KVStore ready on etcd " + etcd.endpoint()), STARTUP);
                assertThat(app.output()).doesNotContain("cannot be resolved to absolute file path");
                Http http = new Http(httpPort);
                assertThat(http.put("/kv/packaged-tls", "over mutual TLS").statusCode()).isBetween(200, 299);
                assertThat(http.get("/kv/packaged-tls").body()).isEqualTo("over mutual TLS");
                assertThat(http.get("/actuator/health/readiness").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aMissingClassPathCertificateFailsNamingItsProperty() throws Exception {
        try (EtcdServer etcd = EtcdServer.startTls(certificates.serverTls(true))) {
            try (AppProcess app = AppProcess.startJar(jar,
                    args(etcd, FreePorts.pick(), CLASSPATH_DIR + "missing.pem"))) {
                assertThat(app.waitFor(STARTUP)).isNotZero();
                assertThat(app.output()).contains("APPLICATION FAILED TO START")
                    .contains("kvstore.etcd.tls.ca-certificate")
                    .contains("classpath:" + CLASSPATH_DIR + "missing.pem");
            }
        }
    }

    /** The etcd profile with mutual TLS from the jar's class path; the CA at the given class path location. */
    private static String[] args(EtcdServer etcd, int httpPort, String caLocation) {
        // The first TLS connection of a fresh JVM can take seconds on a loaded machine: not the 5 s default.
        return new String[] { "--spring.profiles.active=etcd", "--server.port=" + httpPort,
                "--kvstore.etcd.endpoints=" + etcd.endpoint(), "--kvstore.etcd.connect-timeout=60s",
                "--kvstore.etcd.tls.ca-certificate=classpath:" + caLocation,
                "--kvstore.etcd.tls.client-certificate=classpath:" + CLASSPATH_DIR
                        + certificates.clientCertificate().getFileName(),
                "--kvstore.etcd.tls.client-key=classpath:" + CLASSPATH_DIR + certificates.clientKey().getFileName() };
    }

}
