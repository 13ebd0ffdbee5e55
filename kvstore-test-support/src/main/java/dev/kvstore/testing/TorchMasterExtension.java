package dev.kvstore.testing;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real {@code torch.distributed.TCPStore} master per test class, in a Python process under a
 * {@link PythonRuntime} ({@code torch_tcpstore_peer.py master}, not waiting for workers), on loopback port 0: the port
 * it bound is {@link #port()}. Clients of it are the Java client, or Python processes from {@link #startClient}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TorchMasterExtension torch = TorchMasterExtension.torch26();
 * ... TcpKVStore.builder().host(torch.host()).port(torch.port()) ...
 * }</pre>
 *
 * <p>Register it on a static field. For {@link PythonRuntime#TORCH_2_6}, the class's tests fail with the reason when
 * the chroot cannot be provisioned; for {@link PythonRuntime#TORCH_NEWEST} they skip with it. Test and lifecycle methods can take the extension as a parameter.
 */
public final class TorchMasterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** Generous: starting torch takes seconds, longer on a loaded machine. */
    public static final Duration STARTUP = Duration.ofSeconds(120);

    private final PythonRuntime runtime;
    private @Nullable PythonProcess master;
    private int port;
    private int depth;

    /** A master under the runtime. */
    public TorchMasterExtension(PythonRuntime runtime) {
        this.runtime = runtime;
    }

    /** @return a torch 2.6 master (the 2.2+ protocol) from the chroot */
    public static TorchMasterExtension torch26() {
        return new TorchMasterExtension(PythonRuntime.TORCH_2_6);
    }

    /**
     * @return a master of the newest torch Debian ships (the 2.2+ protocol) from its chroot; its class's tests skip,
     *     saying why, when the chroot cannot be provisioned
     */
    public static TorchMasterExtension torchNewest() {
        return new TorchMasterExtension(PythonRuntime.TORCH_NEWEST);
    }

    /** @return a torch 1.13 master (the LEGACY protocol) from the host */
    public static TorchMasterExtension torch113() {
        return new TorchMasterExtension(PythonRuntime.TORCH_1_13);
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws InterruptedException {
        if (depth++ > 0) {
            return; // a @Nested class shares the outer class's master
        }
        PythonProcess process = PythonProcess.start(runtime, "torch_tcpstore_peer.py", "master", "127.0.0.1", 0, "none",
                0);
        int candidate;
        try {
            candidate = Integer.parseInt(process.awaitLineStartingWith("PORT ", STARTUP).trim());
            process.awaitLine("READY"::equals, STARTUP);
        } catch (AssertionError | InterruptedException | RuntimeException e) {
            process.close();
            depth--;
            throw e;
        }
        master = process;
        port = candidate;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (--depth > 0) {
            return;
        }
        if (master != null) {
            master.close();
            master = null;
        }
    }

    /** @return the runtime the master (and {@link #startClient} processes) run under */
    public PythonRuntime runtime() {
        return runtime;
    }

    /** @return the master's host */
    public String host() {
        return "127.0.0.1";
    }

    /** @return the master's port */
    public synchronized int port() {
        master();
        return port;
    }

    /**
     * @return the master's process: {@code torch_tcpstore_peer.py} answers commands written to its stdin with lines
     *     starting {@code "R "} (see the script), and {@link PythonProcess#describe()} shows its output
     */
    public synchronized PythonProcess master() {
        if (master == null) {
            throw new IllegalStateException("the torch master is not started: register " + getClass().getSimpleName()
                    + " on a static field with @RegisterExtension");
        }
        return master;
    }

    /**
     * @return the master as a {@link TorchPeer}, to drive its store (set, get, add, ...) from the test; the extension
     *     owns the process, so do not close it
     */
    public TorchPeer peer() {
        return TorchPeer.of(master(), port());
    }

    /**
     * Starts {@code /python/{script}} from the test classpath under the master's runtime; the caller closes it. The
     * script gets the arguments as given: pass {@link #host()} and {@link #port()} where it needs them.
     */
    public PythonProcess startClient(String script, Object... args) {
        return PythonProcess.start(runtime, script, args);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TorchMasterExtension.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return this;
    }

    @Override
    public String toString() {
        return "TorchMasterExtension[" + runtime + (master == null ? ", not started]" : ", port " + port + "]");
    }
}
