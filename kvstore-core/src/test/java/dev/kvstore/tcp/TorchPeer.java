package dev.kvstore.tcp;

import dev.kvstore.testing.FreePorts;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A real {@code torch.distributed.TCPStore} (PyTorch 1.13 by default, or any {@link PythonRuntime}) in a Python subprocess, driven line by line
 * through {@code client_torch_peer.py}: the master the Java client talks to, or a worker beside it.
 */
final class TorchPeer implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration REPLY = Duration.ofSeconds(60);

    private final PythonProcess process;
    private final int port;

    private TorchPeer(PythonProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a torch 1.13 master on a free loopback port without waiting for workers, and waits until it listens. */
    static TorchPeer master() throws InterruptedException {
        return master(PythonRuntime.TORCH_1_13);
    }

    /** Starts a master under the runtime on a free loopback port without waiting for workers; waits until it listens. */
    static TorchPeer master(PythonRuntime runtime) throws InterruptedException {
        return awaitReady(start(runtime, "master", FreePorts.pick(), null, false));
    }

    /** Starts a torch 1.13 peer without waiting for it to be constructed (a master waiting for workers blocks there). */
    static TorchPeer start(String role, int port, Integer worldSize, boolean waitForWorkers) {
        return start(PythonRuntime.TORCH_1_13, role, port, worldSize, waitForWorkers);
    }

    /** Starts a peer under the runtime without waiting for it to be constructed. */
    static TorchPeer start(PythonRuntime runtime, String role, int port, Integer worldSize, boolean waitForWorkers) {
        PythonProcess process = PythonProcess.start(runtime, "client_torch_peer.py", role, "127.0.0.1", port,
                worldSize == null ? "none" : worldSize, waitForWorkers ? 1 : 0);
        return new TorchPeer(process, port);
    }

    static TorchPeer awaitReady(TorchPeer peer) throws InterruptedException {
        try {
            peer.awaitReady(STARTUP);
            return peer;
        } catch (AssertionError | RuntimeException | InterruptedException e) {
            peer.close();
            throw e;
        }
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        process.awaitLine("READY"::equals, timeout);
    }

    int port() {
        return port;
    }

    String command(String line) throws InterruptedException {
        process.send(line);
        String reply = process.awaitLineStartingWith("R ", REPLY);
        if (reply.startsWith("ERROR")) {
            throw new AssertionError("torch peer failed '" + line + "': " + reply + process.describe());
        }
        return reply;
    }

    void set(String key, byte[] value) throws InterruptedException {
        command("set " + key + " " + hex(value));
    }

    void set(String key, String value) throws InterruptedException {
        set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    byte[] get(String key) throws InterruptedException {
        return unhex(command("get " + key));
    }

    String getString(String key) throws InterruptedException {
        return new String(get(key), StandardCharsets.UTF_8);
    }

    long add(String key, long delta) throws InterruptedException {
        return Long.parseLong(command("add " + key + " " + delta));
    }

    boolean delete(String key) throws InterruptedException {
        return Boolean.parseBoolean(command("delete " + key).toLowerCase());
    }

    long numKeys() throws InterruptedException {
        return Long.parseLong(command("num_keys"));
    }

    static String hex(byte[] value) {
        return value.length == 0 ? "-" : HexFormat.of().formatHex(value);
    }

    static byte[] unhex(String text) {
        return text.equals("-") ? new byte[0] : HexFormat.of().parseHex(text);
    }

    String describe() {
        return process.describe();
    }

    @Override
    public void close() {
        process.close();
    }
}
