package dev.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority with a server certificate for {@code 127.0.0.1}/{@code localhost} and a client
 * certificate, made with the {@code openssl} command into a directory. Keys are unencrypted PKCS#8 PEM.
 *
 * @param directory where the files are
 */
public record TestCertificates(Path directory) {

    public static final String OPENSSL = "/usr/bin/openssl";

    /** @return whether {@value #OPENSSL} exists (tests that need certificates are skipped without it) */
    public static boolean available() {
        return Files.isExecutable(Path.of(OPENSSL));
    }

    /** Creates the CA, server and client certificates in the directory. */
    public static TestCertificates create(Path directory) {
        TestCertificates certificates = new TestCertificates(directory);
        certificates.generate();
        return certificates;
    }

    public Path caCertificate() {
        return directory.resolve("ca.pem");
    }

    public Path serverCertificate() {
        return directory.resolve("server.pem");
    }

    public Path serverKey() {
        return directory.resolve("server-key.pem");
    }

    public Path clientCertificate() {
        return directory.resolve("client.pem");
    }

    public Path clientKey() {
        return directory.resolve("client-key.pem");
    }

    /** @return TLS settings for {@link EtcdServer#startTls(EtcdServer.Tls)} */
    public EtcdServer.Tls serverTls(boolean requireClientCertificates) {
        return new EtcdServer.Tls(caCertificate(), serverCertificate(), serverKey(), requireClientCertificates);
    }

    private void generate() {
        try {
            Files.createDirectories(directory);
            Path caKey = directory.resolve("ca-key.pem");
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", caKey.toString(), "-out", caCertificate().toString(), "-days", "2",
                    "-subj", "/CN=kvstore test CA");
            sign("server", serverKey(), serverCertificate(), caKey,
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
            sign("client", clientKey(), clientCertificate(), caKey, "extendedKeyUsage=clientAuth\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create test certificates in " + directory, e);
        }
    }

    private void sign(String name, Path key, Path certificate, Path caKey, String extensions) throws IOException {
        Path request = directory.resolve(name + ".csr");
        Path extensionFile = directory.resolve(name + ".ext");
        Files.writeString(extensionFile, extensions, StandardCharsets.US_ASCII);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", request.toString(), "-subj", "/CN=kvstore test " + name);
        openssl("x509", "-req", "-in", request.toString(), "-CA", caCertificate().toString(),
                "-CAkey", caKey.toString(), "-CAcreateserial", "-out", certificate.toString(), "-days", "2",
                "-extfile", extensionFile.toString());
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(OPENSSL));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
