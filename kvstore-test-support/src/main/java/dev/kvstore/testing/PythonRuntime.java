package dev.kvstore.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.opentest4j.TestAbortedException;

/**
 * The Python interpreters with a real PyTorch that tests run peers in.
 *
 * <ul>
 *   <li>{@link #TORCH_1_13}: the host's {@code /usr/bin/python3} with Debian 12's python3-torch 1.13 (LEGACY
 *       protocol) and python3-etcd3.</li>
 *   <li>{@link #TORCH_2_6}: {@code /usr/bin/python3} in a Debian 13 chroot with python3-torch 2.6 (the 2.2+ protocol),
 *       provisioned by {@code .ci/torch-chroot 2.6}.</li>
 *   <li>{@link #TORCH_NEWEST}: {@code /usr/bin/python3} in a Debian unstable chroot with the newest python3-torch
 *       Debian ships (2.14 when written; the 2.2+ protocol with the 2.10 numbering), provisioned by
 *       {@code .ci/torch-chroot newest}.</li>
 * </ul>
 *
 * <p>Debian's 2.x builds lack libuv, so the chroots' processes get {@code USE_LIBUV=0} and a test-only
 * {@code sitecustomize} that makes {@code TCPStore} default to {@code use_libuv=False} (torchrun's c10d rendezvous
 * backend does not pass it). The chroots share the host's network, so their peers reach servers on the host's loopback.
 *
 * <p>When a chroot cannot be provisioned, {@link #TORCH_2_6} fails the test with the reason; {@link #TORCH_NEWEST}
 * skips it with the reason (Debian unstable may be unable to install torch on a given day), so 1.13 and 2.6 always
 * run.
 */
public enum PythonRuntime {

    /** Debian 12's PyTorch 1.13 on the host. */
    TORCH_1_13("torch 1.13", null),

    /** Debian 13's PyTorch 2.6 in the chroot {@code .ci/torch-chroot 2.6} provisions. */
    TORCH_2_6("torch 2.6", TorchChroot.TORCH_2_6),

    /** Debian unstable's PyTorch, the newest Debian ships, in the chroot {@code .ci/torch-chroot newest} provisions. */
    TORCH_NEWEST("torch newest", TorchChroot.NEWEST);

    private final String description;
    private final @Nullable TorchChroot chroot;

    PythonRuntime(String description, @Nullable TorchChroot chroot) {
        this.description = description;
        this.chroot = chroot;
    }

    /**
     * Fails the calling test ({@link #TORCH_2_6}) or skips it ({@link #TORCH_NEWEST}), with the reason, when this
     * runtime cannot run here. Starting a process checks the same; call this early to stop before starting anything.
     *
     * @throws AssertionError when torch 2.6's chroot cannot be provisioned
     * @throws TestAbortedException when the newest torch's chroot cannot be provisioned
     */
    public void require() {
        interpreter();
    }

    /** A host directory the runtime's interpreter can read scripts from. */
    Path stagingDirectory() throws IOException {
        return chroot == null ? Path.of(System.getProperty("java.io.tmpdir")) : chroot().stagingDirectory();
    }

    /** The path the runtime's processes see for a host path in {@link #stagingDirectory()}. */
    String guestPath(Path hostPath) {
        return chroot == null ? hostPath.toAbsolutePath().toString() : chroot().guestPath(hostPath);
    }

    /** The command that runs this runtime's python, before its own arguments. */
    List<String> interpreter() {
        return chroot == null ? List.of(PythonProcess.PYTHON)
                : List.of("chroot", chroot().root().toString(), PythonProcess.DEBIAN_PYTHON);
    }

    /** Adjusts a process environment (inherited from this JVM) for this runtime. */
    void configure(Map<String, String> environment) {
        if (chroot == null) {
            return; // the host's defaults
        }
        try {
            environment.put("PYTHONPATH", guestPath(chroot().stagingDirectory().resolve("site")));
        } catch (IOException e) {
            throw new AssertionError("cannot stage the " + description + " sitecustomize", e);
        }
        environment.put("USE_LIBUV", "0");
        // Host paths mean nothing inside the chroot.
        environment.put("TMPDIR", "/tmp");
        environment.put("HOME", "/root");
    }

    /** @return the chroot, provisioned; failing (2.6) or skipping (newest) the test when it cannot be */
    private TorchChroot chroot() {
        TorchChroot provisioned = chroot;
        if (provisioned == null) {
            throw new IllegalStateException(description + " runs on the host");
        }
        try {
            provisioned.root();
        } catch (IllegalStateException e) {
            if (this == TORCH_NEWEST) {
                throw new TestAbortedException(e.getMessage());
            }
            throw new AssertionError(e.getMessage(), e);
        }
        return provisioned;
    }

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
