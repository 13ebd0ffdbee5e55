package dev.kvstore.benchmarks;

import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The processes the benchmarks talk to: the TCPStore masters (Java, torch 1.13, torch 2.6) and the Python load scripts. */
final class Peers {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private Peers() {
    }

    /** A TCPStore master in its own process: the Java one (ServerMain) or PyTorch's. */
    interface Master extends AutoCloseable {
        int port();

        long pid();

        /** @return resident set size of the master process, bytes */
        default long rssBytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException("no VmRSS for pid " + pid());
        }

        @Override
        void close();
    }

    static final class JavaMaster implements Master {
        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;
        private final int port;

        JavaMaster(CpuLayout layout) {
            List<String> command = new ArrayList<>(layout.masterLauncher());
            command.addAll(List.of(JAVA, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    ServerMain.class.getName()));
            try {
                process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the Java server JVM", e);
            }
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            port = Integer.parseInt(reply("PORT"));
        }

        private String reply(String prefix) {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith(prefix + " ")) {
                        return line.substring(prefix.length() + 1).trim();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException("Java server exited before replying " + prefix);
        }

        long heapUsedAfterGc() {
            in.println("HEAP");
            return Long.parseLong(reply("HEAP"));
        }

        /** @return the processors the master's JVM sees and the collectors it chose */
        String jvm() {
            in.println("JVM");
            return reply("JVM");
        }

        int connections() {
            in.println("CONNECTIONS");
            return Integer.parseInt(reply("CONNECTIONS"));
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            in.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class TorchMaster implements Master {
        private final PythonProcess process;
        private final int port;
        private final PythonRuntime runtime;

        /** PyTorch's master of the runtime's torch (its C++ TCPStore server; without libuv for torch 2.6). */
        TorchMaster(CpuLayout layout, PythonRuntime runtime) {
            this.runtime = runtime;
            process = PythonProcess.start(runtime, "bench_torch_master.py", layout.pythonMasterArgs().toArray());
            try {
                port = Integer.parseInt(process.awaitLineStartingWith("PORT ", Duration.ofSeconds(60)).trim());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        PythonRuntime runtime() {
            return runtime;
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** Runs a Python benchmark script (torch 1.13's interpreter) to completion and returns its JSON result line. */
    static Json python(String script, Duration timeout, Object... args) {
        return python(PythonRuntime.TORCH_1_13, script, timeout, args);
    }

    /** Runs a Python benchmark script under the runtime to completion and returns its JSON result line. */
    static Json python(PythonRuntime runtime, String script, Duration timeout, Object... args) {
        try (PythonProcess process = PythonProcess.start(runtime, script, args)) {
            String line = process.awaitLine(l -> l.startsWith("{"), timeout);
            return new Json(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code bench_tcp_load.py} under the runtime on the load CPUs and returns its JSON result line. */
    static Json pythonLoad(CpuLayout layout, PythonRuntime runtime, Duration timeout, Object... args) {
        List<Object> all = new ArrayList<>(layout.pythonLoadArgs());
        all.addAll(List.of(args));
        return python(runtime, "bench_tcp_load.py", timeout, all.toArray());
    }

    /** Runs {@link LoadMain} in a JVM of its own on the load CPUs and returns its JSON result line. */
    static Json javaLoad(CpuLayout layout, Duration timeout, Object... args) {
        List<String> command = new ArrayList<>(layout.loadLauncher());
        command.addAll(List.of(JAVA, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                LoadMain.class.getName()));
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Java load JVM", e);
        }
        // A load that hangs is killed, which ends the read below.
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(process::destroyForcibly);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("{")) {
                    process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
                    return new Json(line);
                }
            }
            throw new IllegalStateException("Java load " + List.of(args) + " ended without a result (exit "
                    + process.waitFor() + ", killed after " + timeout + " if it hung; its stderr is above)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            process.destroyForcibly();
        }
    }
}
