package dev.kvstore.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Python peer run as a subprocess under a {@link PythonRuntime}: by default the host's {@code /usr/bin/python3}
 * with Debian's python3-torch 1.13 and python3-etcd3, or a torch chroot ({@link PythonRuntime#TORCH_2_6},
 * {@link PythonRuntime#TORCH_NEWEST}). The script comes from the test classpath ({@code /python/NAME.py}); its stdout
 * lines can be awaited, its stderr is kept for failure messages, and {@link #close()} kills it. {@link #startJava} runs a child JVM the same way.
 */
public final class PythonProcess implements AutoCloseable {

    /** The interpreter Debian's python3-torch and python3-etcd3 install into (also inside the torch chroots). */
    public static final String DEBIAN_PYTHON = "/usr/bin/python3";

    /**
     * The host's interpreter of {@link PythonRuntime#TORCH_1_13}: {@code $KVSTORE_TEST_PYTHON}, or
     * {@link #DEBIAN_PYTHON}.
     */
    public static final String PYTHON = System.getenv().getOrDefault("KVSTORE_TEST_PYTHON", DEBIAN_PYTHON);

    private final Process process;
    private final String name;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final List<String> stdoutSeen = new ArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stdoutPump;

    private PythonProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        stdoutPump = pump(process.getInputStream(), line -> stdout.add(line), "stdout");
        pump(process.getErrorStream(), line -> stderr.append(line).append('\n'), "stderr");
    }

    /**
     * Starts {@code /python/{script}} from the test classpath with the arguments, under {@link PythonRuntime#TORCH_1_13}.
     */
    public static PythonProcess start(String script, Object... args) {
        return start(PythonRuntime.TORCH_1_13, script, args);
    }

    /**
     * Starts {@code /python/{script}} from the test classpath with the arguments under the runtime.
     *
     * @throws AssertionError if the runtime is unavailable here (a torch chroot cannot be provisioned)
     */
    public static PythonProcess start(PythonRuntime runtime, String script, Object... args) {
        return launch(runtime, script, List.of("-u"), Map.of(), script, args);
    }

    /**
     * Starts torchrun ({@code python -m torch.distributed.run}) under the runtime with the options (e.g.
     * {@code --nnodes=2}), running {@code /python/{script}} from the test classpath with the arguments as its workers.
     *
     * @throws AssertionError if the runtime is unavailable here (a torch chroot cannot be provisioned)
     */
    public static PythonProcess startTorchrun(PythonRuntime runtime, List<String> options, String script,
            Object... args) {
        return startTorchrun(runtime, Map.of(), options, script, args);
    }

    /**
     * Like {@link #startTorchrun(PythonRuntime, List, String, Object...)}, with extra environment variables for torchrun
     * and its workers.
     */
    public static PythonProcess startTorchrun(PythonRuntime runtime, Map<String, String> environment,
            List<String> options, String script, Object... args) {
        List<String> before = new ArrayList<>(List.of("-u", "-m", "torch.distributed.run"));
        before.addAll(options);
        return launch(runtime, "torchrun " + script, before, environment, script, args);
    }

    private static PythonProcess launch(PythonRuntime runtime, String name, List<String> pythonOptions,
            Map<String, String> environment, String script, Object[] args) {
        List<String> command = new ArrayList<>(runtime.interpreter());
        try {
            command.addAll(pythonOptions);
            command.add(runtime.stage(script));
            for (Object arg : args) {
                command.add(String.valueOf(arg));
            }
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("PYTHONUNBUFFERED", "1");
            // Keep torch from spawning many OpenMP threads on a 2-core machine.
            builder.environment().putIfAbsent("OMP_NUM_THREADS", "1");
            runtime.configure(builder.environment());
            builder.environment().putAll(environment);
            return new PythonProcess(name + " (" + runtime + ")", builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + " " + script, e);
        }
    }

    /** Copies a test classpath resource to a file, creating its directory. */
    static void copyResource(String resource, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try (InputStream in = PythonProcess.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Starts a child JVM running {@code mainClass} from the test classpath (the same JDK and classpath as this test
     * JVM), as a second process of a test; the same awaiting and killing applies. {@link #close()} kills it with
     * SIGKILL.
     *
     * @param jvmOptions options before the main class, e.g. {@code -Xmx64m}
     */
    public static PythonProcess startJava(Class<?> mainClass, List<String> jvmOptions, Object... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass.getName());
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        try {
            return new PythonProcess(mainClass.getSimpleName(), new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM for " + mainClass.getName(), e);
        }
    }

    /**
     * Waits for a stdout line matching the predicate and returns it; lines before it are consumed.
     *
     * @throws AssertionError if the process exits or the timeout passes first, with its output
     */
    public String awaitLine(Predicate<String> matcher, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(name + ": no matching stdout line within " + timeout + describe());
            }
            String line = stdout.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (line == null) {
                // Exited, and every line it printed has been read.
                if (!process.isAlive() && !stdoutPump.isAlive() && stdout.isEmpty()) {
                    throw new AssertionError(name + " exited with " + process.exitValue()
                            + " before printing the expected line" + describe());
                }
                continue;
            }
            synchronized (stdoutSeen) {
                stdoutSeen.add(line);
            }
            if (matcher.test(line)) {
                return line;
            }
        }
    }

    /** Waits for a stdout line that starts with the prefix and returns the rest of it. */
    public String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
        return awaitLine(line -> line.startsWith(prefix), timeout).substring(prefix.length());
    }

    /**
     * Waits for the process to exit.
     *
     * @return its exit code
     * @throws AssertionError if it is still running after the timeout
     */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + describe());
        }
        return process.exitValue();
    }

    /** Waits for the process to exit with code 0, failing with its output otherwise. */
    public void assertSucceeds(Duration timeout) throws InterruptedException {
        int code = waitFor(timeout);
        if (code != 0) {
            throw new AssertionError(name + " exited with " + code + describe());
        }
    }

    /** Writes a line to the process's stdin. */
    public void send(String line) {
        try {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot write to stdin" + describe(), e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** @return what the process printed so far, for assertion messages */
    public String describe() {
        List<String> out;
        synchronized (stdoutSeen) {
            out = new ArrayList<>(stdoutSeen);
        }
        out.addAll(stdout);
        return "\n--- stdout ---\n" + String.join("\n", out) + "\n--- stderr ---\n" + stderr;
    }

    /**
     * Stops the process with SIGTERM, so a JVM runs its shutdown hooks (a flight recording is written then), and kills
     * it if it is still running after {@code grace}.
     */
    public void stop(Duration grace) {
        process.destroy();
        try {
            process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Thread pump(InputStream in, java.util.function.Consumer<String> sink, String stream) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, "python-" + name + "-" + stream);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
