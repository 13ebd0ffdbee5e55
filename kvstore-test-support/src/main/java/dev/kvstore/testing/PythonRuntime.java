package dev.kvstore.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Python interpreters with a real PyTorch that tests run peers in.
 *
 * <ul>
 *   <li>{@link #TORCH_1_13}: the host's {@code /usr/bin/python3} with Debian 12's python3-torch 1.13 (LEGACY
 *       protocol) and python3-etcd3.</li>
 *   <li>{@link #TORCH_2_6}: {@code /usr/bin/python3} in a Debian 13 chroot with python3-torch 2.6 (the 2.2+ protocol),
 *       provisioned by {@code .ci/torch26-chroot}. Debian's build lacks libuv, so its processes get
 *       {@code USE_LIBUV=0} and a test-only {@code sitecustomize} that makes {@code TCPStore} default to
 *       {@code use_libuv=False} (torchrun's c10d rendezvous backend does not pass it). The chroot shares the host's
 *       network, so its peers reach servers on the host's loopback.</li>
 * </ul>
 *
 * <p>When the chroot cannot be provisioned, {@link #TORCH_2_6} fails the test with the reason.
 */
public enum PythonRuntime {

    /** Debian 12's PyTorch 1.13 on the host. */
    TORCH_1_13("torch 1.13") {
        @Override
        Path stagingDirectory() throws IOException {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }

        @Override
        String guestPath(Path hostPath) {
            return hostPath.toAbsolutePath().toString();
        }

        @Override
        List<String> interpreter() {
            return List.of(PythonProcess.PYTHON);
        }

        @Override
        void configure(Map<String, String> environment) {
            // The host's defaults.
        }
    },

    /** Debian 13's PyTorch 2.6 in the chroot {@code .ci/torch26-chroot} provisions. */
    TORCH_2_6("torch 2.6") {
        @Override
        Path stagingDirectory() throws IOException {
            return Torch26Chroot.stagingDirectory();
        }

        @Override
        String guestPath(Path hostPath) {
            return Torch26Chroot.guestPath(hostPath);
        }

        @Override
        List<String> interpreter() {
            return List.of("chroot", Torch26Chroot.root().toString(), PythonProcess.DEBIAN_PYTHON);
        }

        @Override
        void configure(Map<String, String> environment) {
            try {
                environment.put("PYTHONPATH", guestPath(Torch26Chroot.stagingDirectory().resolve("site")));
            } catch (IOException e) {
                throw new AssertionError("cannot stage the torch 2.6 sitecustomize", e);
            }
            environment.put("USE_LIBUV", "0");
            // Host paths mean nothing inside the chroot.
            environment.put("TMPDIR", "/tmp");
            environment.put("HOME", "/root");
        }
    };

    private final String description;

    PythonRuntime(String description) {
        this.description = description;
    }

    /**
     * Fails the calling test, with the reason, when this runtime cannot run here (for {@link #TORCH_2_6}: the chroot
     * cannot be provisioned). Starting a process checks the same; call this early to fail before starting anything.
     */
    public void require() {
        interpreter();
    }

    /** A host directory the runtime's interpreter can read scripts from. */
    abstract Path stagingDirectory() throws IOException;

    /** The path the runtime's processes see for a host path in {@link #stagingDirectory()}. */
    abstract String guestPath(Path hostPath);

    /** The command that runs this runtime's python, before its own arguments. */
    abstract List<String> interpreter();

    /** Adjusts a process environment (inherited from this JVM) for this runtime. */
    abstract void configure(Map<String, String> environment);

    /**
     * Copies {@code /python/{script}} from the test classpath to where this runtime can run it.
     *
     * @return the path the runtime's python sees
     */
    String stage(String script) throws IOException {
        Path file = Files.createTempFile(stagingDirectory(), "kvstore-" + script.replace(".py", "") + "-", ".py");
        file.toFile().deleteOnExit();
        PythonProcess.copyResource("/python/" + script, file);
        return guestPath(file);
    }

    @Override
    public String toString() {
        return description;
    }
}
