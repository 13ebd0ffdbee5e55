package dev.kvstore.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A real {@code torch.distributed.TCPStore} (PyTorch 1.13 by default, or any {@link PythonRuntime}) in a Python
 * subprocess, driven line by line through {@code torch_tcpstore_peer.py}: the master the Java client talks to, or a
 * worker beside it.
 */
public final class TorchPeer implements AutoCloseable {

    /** How long a peer may take to start torch and construct its store. */
    public static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration REPLY = Duration.ofSeconds(60);

    private final PythonProcess process;
    private final int port;

    private TorchPeer(PythonProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** A peer driving an already running {@code torch_tcpstore_peer.py} process. */
    static TorchPeer of(PythonProcess process, int port) {
        return new TorchPeer(process, port);
    }

    /** Starts a torch 1.13 master on port 0 without waiting for workers, and waits until it listens. */
    public static TorchPeer master() throws InterruptedException {
        return master(PythonRuntime.TORCH_1_13);
    }

    /** Starts a master under the runtime on port 0 without waiting for workers; waits until it listens. */
    public static TorchPeer master(PythonRuntime runtime) throws InterruptedException {
        TorchPeer starting = start(runtime, "master", 0, null, false);
        try {
            int port = Integer.parseInt(starting.process.awaitLineStartingWith("PORT ", STARTUP).trim());
            return awaitReady(new TorchPeer(starting.process, port));
        } catch (AssertionError | RuntimeException | InterruptedException e) {
            starting.close();
            throw e;
        }
    }

    /**
     * Starts a torch 1.13 peer without waiting for it to be constructed (a master waiting for workers blocks there).
     */
    public static TorchPeer start(String role, int port, @Nullable Integer worldSize, boolean waitForWorkers) {
        return start(PythonRuntime.TORCH_1_13, role, port, worldSize, waitForWorkers);
    }

    /**
     * Starts a peer under the runtime without waiting for it to be constructed.
     *
     * @param worldSize the world size the peer's TCPStore is constructed with; null for none (no registration)
     */
    public static TorchPeer start(PythonRuntime runtime, String role, int port, @Nullable Integer worldSize,
            boolean waitForWorkers) {
        PythonProcess process = PythonProcess.start(runtime, "torch_tcpstore_peer.py", role, "127.0.0.1", port,
                worldSize == null ? "none" : worldSize, waitForWorkers ? 1 : 0);
        return new TorchPeer(process, port);
    }

    /** Waits until the peer is ready and returns it; closes it if it is not. */
    public static TorchPeer awaitReady(TorchPeer peer) throws InterruptedException {
        try {
            peer.awaitReady(STARTUP);
            return peer;
        } catch (AssertionError | RuntimeException | InterruptedException e) {
            peer.close();
            throw e;
        }
    }

    /** Waits until the peer printed READY (its store is constructed). */
    public void awaitReady(Duration timeout) throws InterruptedException {
        process.awaitLine("READY"::equals, timeout);
    }

    /** @return the port the peer listens on (a master) or connects to (a worker) */
    public int port() {
        return port;
    }

    /**
     * Sends a command line to the script and returns its reply (after {@code "R "}), failing on an error reply.
     */
    public String command(String line) throws InterruptedException {
        process.send(line);
        String reply = process.awaitLineStartingWith("R ", REPLY);
        if (reply.startsWith("ERROR")) {
            throw new AssertionError("torch peer failed '" + line + "': " + reply + process.describe());
        }
        return reply;
    }

    /** {@code store.set} in the peer. */
    public void set(String key, byte[] value) throws InterruptedException {
        command("set " + key + " " + hex(value));
    }

    /** {@code store.set} of UTF-8 text in the peer. */
    public void set(String key, String value) throws InterruptedException {
        set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** @return {@code store.get} in the peer */
    public byte[] get(String key) throws InterruptedException {
        return unhex(command("get " + key));
    }

    /** @return {@code store.get} in the peer, as UTF-8 text */
    public String getString(String key) throws InterruptedException {
        return new String(get(key), StandardCharsets.UTF_8);
    }

    /** @return {@code store.add} in the peer */
    public long add(String key, long delta) throws InterruptedException {
        return Long.parseLong(command("add " + key + " " + delta));
    }

    /** @return {@code store.delete_key} in the peer */
    public boolean delete(String key) throws InterruptedException {
        return Boolean.parseBoolean(command("delete " + key).toLowerCase());
    }

    /** @return {@code store.num_keys} in the peer */
    public long numKeys() throws InterruptedException {
        return Long.parseLong(command("num_keys"));
    }

    /** @return the value as the script's hex argument ({@code "-"} for empty) */
    public static String hex(byte[] value) {
        return value.length == 0 ? "-" : HexFormat.of().formatHex(value);
    }

    /** @return the bytes of a hex reply of the script */
    public static byte[] unhex(String text) {
        return text.equals("-") ? new byte[0] : HexFormat.of().parseHex(text);
    }

    /** @return what the process printed so far, for assertion messages */
    public String describe() {
        return process.describe();
    }

    @Override
    public void close() {
        process.close();
    }
}
