package dev.kvstore.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.testing.EtcdAuth;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import dev.kvstore.testing.RequiresEtcd;
import dev.kvstore.testing.RequiresTorch;
import dev.kvstore.testing.TestCertificates;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each misconfiguration, started as the application process a user runs: Spring Boot's "APPLICATION FAILED TO
 * START" report with a Description and an Action naming the properties, and no stack trace.
 */
class FailureReportTest {

    private static final Duration EXIT = Duration.ofSeconds(120);

    @Test
    void masterPortInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertReport(List.of("--kvstore.tcp.port=" + port), "127.0.0.1:" + port, "kvstore.tcp.port",
                    "kvstore.tcp.host");
        }
    }

    @Test
    void masterUnreachableForAWorker() throws Exception {
        int nobody = FreePorts.pick();
        assertReport(List.of("--kvstore.rank=1", "--kvstore.tcp.port=" + nobody, "--kvstore.tcp.connect-timeout=2s"),
                "127.0.0.1:" + nobody, "connection refused", "kvstore.tcp.connect-timeout", "kvstore.tcp.host",
                "kvstore.tcp.port",
                "MASTER_ADDR", "MASTER_PORT");
    }

    @Test
    void rendezvousTimeout() throws Exception {
        assertReport(List.of("--kvstore.tcp.port=0", "--kvstore.tcp.world-size=2",
                "--kvstore.tcp.worker-wait-timeout=2s"), "kvstore.tcp.world-size=2", "1/2",
                "kvstore.tcp.worker-wait-timeout");
    }

    /**
     * A worker that names the wrong protocol generation for a real PyTorch 1.13 master: the report opens with the
     * mismatch and the property that fixes it, not with an unreachable master and its connect timeout.
     */
    @RequiresTorch
    @Test
    void protocolMismatchWithATorch113Master() throws Exception {
        try (PythonProcess master = PythonProcess.start(PythonRuntime.TORCH_1_13, "torch_tcpstore_peer.py", "master",
                "127.0.0.1", 0, "none", 0)) {
            int port = Integer.parseInt(master.awaitLineStartingWith("PORT ", EXIT).trim());
            master.awaitLine("READY"::equals, EXIT);
            String report = report(List.of("--kvstore.rank=1", "--kvstore.tcp.port=" + port,
                    "--kvstore.tcp.protocol=modern"));
            String description = section(report, "Description:");
            assertThat(description).as("the report's first sentence names the cause")
                .startsWith("This process (rank 1) cannot use the TCPStore master at 127.0.0.1:" + port
                        + ": it does not serve the MODERN protocol chosen by kvstore.tcp.protocol")
                .doesNotContain("could not reach", "kvstore.tcp.connect-timeout");
            assertThat(section(report, "Action:")).startsWith("Set kvstore.tcp.protocol to auto")
                .contains("legacy");
        }
    }

    @Test
    void unknownBackend() throws Exception {
        assertReport(List.of("--kvstore.backend=nonsense"), "kvstore.backend", "nonsense", "tcp, etcd");
    }

    @Test
    void etcdUnreachable() throws Exception {
        int nobody = FreePorts.pick();
        assertReport(List.of("--kvstore.backend=etcd", "--kvstore.etcd.endpoints=http://127.0.0.1:" + nobody,
                "--kvstore.etcd.connect-timeout=2s"), "http://127.0.0.1:" + nobody, "kvstore.etcd.endpoints",
                "kvstore.etcd.connect-timeout");
    }

    @Test
    void etcdUserWithoutPassword() throws Exception {
        int nobody = FreePorts.pick();
        assertReport(List.of("--kvstore.backend=etcd", "--kvstore.etcd.endpoints=http://127.0.0.1:" + nobody,
                "--kvstore.etcd.user=alice"), "kvstore.etcd.user", "kvstore.etcd.password");
    }

    @RequiresEtcd
    @Test
    void etcdCredentialsRefused() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            EtcdAuth.enableWithRoot(server.endpoint(), "root-secret");
            assertReport(List.of("--kvstore.backend=etcd", "--kvstore.etcd.endpoints=" + server.endpoint(),
                    "--kvstore.etcd.user=root", "--kvstore.etcd.password=wrong"), server.endpoint(),
                    "kvstore.etcd.user", "kvstore.etcd.password");
        }
    }

    /** etcd runs and answers, but no call within the request timeout: the report names that property alone. */
    @RequiresEtcd
    @Test
    void etcdRequestTimeoutTooShort() throws Exception {
        try (EtcdServer server = EtcdServer.start()) {
            String report = report(List.of("--kvstore.backend=etcd", "--kvstore.etcd.endpoints=" + server.endpoint(),
                    "--kvstore.etcd.request-timeout=1ns", "--kvstore.etcd.connect-timeout=10s"));
            assertThat(section(report, "Description:")).contains(server.endpoint(), "answers, but");
            assertThat(section(report, "Action:")).contains("kvstore.etcd.request-timeout")
                .doesNotContain("kvstore.etcd.connect-timeout", "kvstore.etcd.endpoints");
        }
    }

    @RequiresEtcd
    @Test
    void etcdTlsHandshakeRefused(@TempDir Path serverCertificates, @TempDir Path otherCertificates)
            throws Exception {
        Assumptions.assumeTrue(TestCertificates.available(), "needs " + TestCertificates.OPENSSL);
        TestCertificates server = TestCertificates.create(serverCertificates);
        TestCertificates other = TestCertificates.create(otherCertificates);
        try (EtcdServer etcd = EtcdServer.startTls(server.serverTls(true))) {
            // The client trusts another CA than the one that signed etcd's certificate.
            assertReport(List.of("--kvstore.backend=etcd", "--kvstore.etcd.endpoints=" + etcd.endpoint(),
                    "--kvstore.etcd.connect-timeout=5s",
                    "--kvstore.etcd.tls.ca-certificate=" + other.caCertificate(),
                    "--kvstore.etcd.tls.client-certificate=" + other.clientCertificate(),
                    "--kvstore.etcd.tls.client-key=" + other.clientKey()), etcd.endpoint(), "TLS",
                    "kvstore.etcd.tls.ca-certificate");
        }
    }

    @Test
    void invalidPropertyIsReportedByTheBuildersRule() throws Exception {
        assertReport(List.of("--kvstore.tcp.world-size=0"), "kvstore.tcp.world-size", "at least 1");
    }

    private static void assertReport(List<String> misconfiguration, String... expected) throws Exception {
        assertThat(report(misconfiguration)).contains(expected);
    }

    /** @return a report section: the paragraph after its heading */
    private static String section(String report, String heading) {
        int start = report.indexOf(heading);
        assertThat(start).as("%s in:%n%s", heading, report).isNotNegative();
        String rest = report.substring(start + heading.length()).strip();
        int end = rest.indexOf("\n\n");
        return (end < 0) ? rest : rest.substring(0, end);
    }

    /** @return the application's output when it failed to start with the misconfiguration, checked for its shape */
    private static String report(List<String> misconfiguration) throws Exception {
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--server.port=0"),
                misconfiguration.stream()).toArray(String[]::new);
        try (AppProcess app = AppProcess.start(args)) {
            assertThat(app.waitFor(EXIT)).as("exit code").isNotZero();
            String output = app.output();
            assertThat(output).contains("APPLICATION FAILED TO START", "Description:", "Action:");
            assertThat(output.lines().filter((line) -> line.startsWith("\tat ") || line.startsWith("Caused by")))
                .as("stack trace lines in:\n%s", output).isEmpty();
            return output;
        }
    }

}
