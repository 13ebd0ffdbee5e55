package dev.kvstore.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A Debian chroot with a Debian build of PyTorch that a {@link PythonRuntime} runs in, located once per JVM: Debian
 * 13's torch 2.6 ({@link #TORCH_2_6}) or Debian unstable's, the newest Debian ships ({@link #NEWEST}).
 *
 * <p>It runs {@code .ci/torch-chroot GENERATION} (found by walking up from the working directory), which provisions the
 * chroot when missing or broken, mounts what torch needs and prints its directory. The chroot's root variable (system
 * property or environment variable) names the directory instead of the default; without the script it must already
 * hold a provisioned chroot. When none of this works, {@link #root()} throws with the reason.
 */
final class TorchChroot {

    static final String PROVISIONING_SCRIPT = ".ci/torch-chroot";

    /** Debian 13's PyTorch 2.6. */
    static final TorchChroot TORCH_2_6 = new TorchChroot("2.6", "KVSTORE_TORCH26_ROOT");
    /** Debian unstable's PyTorch (2.14 when written). */
    static final TorchChroot NEWEST = new TorchChroot("newest", "KVSTORE_TORCH_NEWEST_ROOT");

    /** Provisioning from scratch downloads about 1 GB; an existing chroot answers in seconds. */
    private static final long PROVISIONING_MINUTES = 30;

    private final String generation;
    private final String rootVariable;
    private @Nullable Path root;
    private @Nullable Path stagingDirectory;
    private @Nullable String failure;

    private TorchChroot(String generation, String rootVariable) {
        this.generation = generation;
        this.rootVariable = rootVariable;
    }

    /**
     * @return the chroot's directory on the host
     * @throws IllegalStateException naming why the chroot is unavailable
     */
    synchronized Path root() {
        if (root == null && failure == null) {
            try {
                root = locate();
            } catch (IOException | RuntimeException e) {
                failure = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while provisioning the torch " + generation
                        + " chroot", e);
            }
        }
        if (failure != null) {
            throw new IllegalStateException("The torch " + generation + " runtime is unavailable: " + failure
                    + "\nProvision it as root with " + PROVISIONING_SCRIPT + " " + generation
                    + " (CI does so in .ci/run), or set " + rootVariable + " to a provisioned chroot.");
        }
        return root;
    }

    /**
     * @return a host directory inside the chroot, private to this JVM, for scripts the chroot's python runs; it
     *     holds the test-only {@code sitecustomize.py} that makes TCPStore default to {@code use_libuv=False}
     */
    synchronized Path stagingDirectory() throws IOException {
        Path chroot = root();
        if (stagingDirectory == null) {
            Path tmp = chroot.resolve("tmp");
            Files.createDirectories(tmp);
            Path dir = Files.createTempDirectory(tmp, "kvstore-tests-");
            PythonProcess.copyResource("/python/torch_chroot_site/sitecustomize.py",
                    dir.resolve("site/sitecustomize.py"));
            dir.toFile().deleteOnExit();
            dir.resolve("site").toFile().deleteOnExit();
            dir.resolve("site/sitecustomize.py").toFile().deleteOnExit();
            stagingDirectory = dir;
        }
        return stagingDirectory;
    }

    /** @return the path the chroot's processes see for a host path inside the chroot */
    String guestPath(Path hostPath) {
        return "/" + root().relativize(hostPath.toAbsolutePath()).toString();
    }

    private Path locate() throws IOException, InterruptedException {
        String configured = System.getProperty(rootVariable, System.getenv(rootVariable));
        Path script = findProvisioningScript();
        if (script != null) {
            return provision(script, configured);
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (Files.isExecutable(dir.resolve("usr/bin/python3")) && Files.exists(dir.resolve(".kvstore-ready"))) {
                return dir;
            }
            throw new IllegalStateException(rootVariable + "=" + configured + " is not a provisioned chroot (no "
                    + "usr/bin/python3 or .kvstore-ready in it), and no " + PROVISIONING_SCRIPT + " was found above "
                    + workingDirectory());
        }
        throw new IllegalStateException("no " + PROVISIONING_SCRIPT + " in " + workingDirectory()
                + " or any parent directory, and " + rootVariable + " is not set");
    }

    private Path provision(Path script, @Nullable String configured) throws IOException, InterruptedException {
        Path output = Files.createTempFile("kvstore-torch-chroot-", ".log");
        try {
            // One stream: the progress (stderr) above, the directory (stdout) as the last line.
            ProcessBuilder builder = new ProcessBuilder(List.of(script.toString(), generation))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            if (configured != null && !configured.isBlank()) {
                builder.environment().put(rootVariable, configured);
            }
            Process process = builder.start();
            if (!process.waitFor(PROVISIONING_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(script + " " + generation + " did not finish within "
                        + PROVISIONING_MINUTES + " minutes:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                // The script's own last words say why (for the newest: unstable cannot install torch today).
                throw new IllegalStateException(script + " " + generation + " exited with " + process.exitValue()
                        + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
            String last = lines.stream().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("");
            Path dir = Path.of(last.trim());
            if (!dir.isAbsolute() || !Files.isExecutable(dir.resolve("usr/bin/python3"))) {
                throw new IllegalStateException(script + " " + generation + " did not print a chroot directory:\n"
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
