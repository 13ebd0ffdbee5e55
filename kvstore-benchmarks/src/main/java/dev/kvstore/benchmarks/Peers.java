package dev.kvstore.benchmarks;

import dev.kvstore.testing.PythonProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The processes the benchmarks talk to: the two TCPStore masters and the Python load scripts. */
final class Peers {

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

        JavaMaster() {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            try {
                process = new ProcessBuilder(List.of(java, "-Xmx1g",
                        "-cp", System.getProperty("java.class.path"), ServerMain.class.getName()))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
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
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
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

        TorchMaster() {
            process = PythonProcess.start("bench_torch_master.py");
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

        @Override
        public void close() {
            process.close();
        }
    }

    /** Runs a Python benchmark script to completion and returns its JSON result line. */
    static Json python(String script, Duration timeout, Object... args) {
        try (PythonProcess process = PythonProcess.start(script, args)) {
            String line = process.awaitLine(l -> l.startsWith("{"), timeout);
            return new Json(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
