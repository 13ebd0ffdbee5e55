package dev.kvstore.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The Debian 13 chroot with PyTorch 2.6 that {@link PythonRuntime#TORCH_2_6} runs in, located once per JVM.
 *
 * <p>It runs {@code .ci/torch26-chroot} (found by walking up from the working directory), which provisions the chroot
 * when missing or broken, mounts what torch needs and prints its directory. {@value #ROOT_VARIABLE} (system property
 * or environment variable) names the directory instead of the default; without the script it must already hold a
 * provisioned chroot. When none of this works, every test that needs torch 2.6 fails with the reason.
 */
final class Torch26Chroot {

    /** System property or environment variable: the chroot's directory. */
    static final String ROOT_VARIABLE = "KVSTORE_TORCH26_ROOT";

    static final String PROVISIONING_SCRIPT = ".ci/torch26-chroot";

    /** Provisioning from scratch downloads about 1 GB; an existing chroot answers in seconds. */
    private static final long PROVISIONING_MINUTES = 30;

    private static @Nullable Path root;
    private static @Nullable Path stagingDirectory;
    private static @Nullable String failure;

    private Torch26Chroot() {
    }

    /**
     * @return the chroot's directory on the host
     * @throws AssertionError naming why the chroot is unavailable
     */
    static synchronized Path root() {
        if (root == null && failure == null) {
            try {
                root = locate();
            } catch (IOException | RuntimeException e) {
                failure = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while provisioning the torch 2.6 chroot", e);
            }
        }
        if (failure != null) {
            throw new AssertionError("The torch 2.6 runtime is unavailable: " + failure
                    + "\nProvision it as root with " + PROVISIONING_SCRIPT + " (CI does so in .ci/run), or set "
                    + ROOT_VARIABLE + " to a provisioned chroot.");
        }
        return root;
    }

    /**
     * @return a host directory inside the chroot, private to this JVM, for scripts the chroot's python runs; it
     *     holds the test-only {@code sitecustomize.py} that makes TCPStore default to {@code use_libuv=False}
     */
    static synchronized Path stagingDirectory() throws IOException {
        Path chroot = root();
        if (stagingDirectory == null) {
            Path tmp = chroot.resolve("tmp");
            Files.createDirectories(tmp);
            Path dir = Files.createTempDirectory(tmp, "kvstore-tests-");
            PythonProcess.copyResource("/python/torch26_site/sitecustomize.py", dir.resolve("site/sitecustomize.py"));
            dir.toFile().deleteOnExit();
            dir.resolve("site").toFile().deleteOnExit();
            dir.resolve("site/sitecustomize.py").toFile().deleteOnExit();
            stagingDirectory = dir;
        }
        return stagingDirectory;
    }

    /** @return the path the chroot's processes see for a host path inside the chroot */
    static String guestPath(Path hostPath) {
        return "/" + root().relativize(hostPath.toAbsolutePath()).toString();
    }

    private static Path locate() throws IOException, InterruptedException {
        String configured = System.getProperty(ROOT_VARIABLE, System.getenv(ROOT_VARIABLE));
        Path script = findProvisioningScript();
        if (script != null) {
            return provision(script, configured);
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (Files.isExecutable(dir.resolve("usr/bin/python3")) && Files.exists(dir.resolve(".kvstore-ready"))) {
                return dir;
            }
            throw new IllegalStateException(ROOT_VARIABLE + "=" + configured + " is not a provisioned chroot (no "
                    + "usr/bin/python3 or .kvstore-ready in it), and no " + PROVISIONING_SCRIPT + " was found above "
                    + workingDirectory());
        }
        throw new IllegalStateException("no " + PROVISIONING_SCRIPT + " in " + workingDirectory()
                + " or any parent directory, and " + ROOT_VARIABLE + " is not set");
    }

    private static Path provision(Path script, @Nullable String configured) throws IOException, InterruptedException {
        Path output = Files.createTempFile("kvstore-torch26-chroot-", ".log");
        try {
            // One stream: the progress (stderr) above, the directory (stdout) as the last line.
            ProcessBuilder builder = new ProcessBuilder(List.of(script.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            if (configured != null && !configured.isBlank()) {
                builder.environment().put(ROOT_VARIABLE, configured);
            }
            Process process = builder.start();
            if (!process.waitFor(PROVISIONING_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(script + " did not finish within " + PROVISIONING_MINUTES
                        + " minutes:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(script + " exited with " + process.exitValue() + ":\n"
                        + String.join("\n", lines));
            }
            String last = lines.stream().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("");
            Path dir = Path.of(last.trim());
            if (!dir.isAbsolute() || !Files.isExecutable(dir.resolve("usr/bin/python3"))) {
                throw new IllegalStateException(script + " did not print a chroot directory:\n"
                        + String.join("\n", lines));
            }
            return dir;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static @Nullable Path findProvisioningScript() {
        for (Path dir = workingDirectory(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(PROVISIONING_SCRIPT);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path workingDirectory() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }
}
