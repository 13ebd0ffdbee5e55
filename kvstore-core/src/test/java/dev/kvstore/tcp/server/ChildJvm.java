package dev.kvstore.tcp.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A JVM running a main class from the test classpath, with the current java; stdout lines can be awaited. */
final class ChildJvm implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();

    private ChildJvm(Process process) {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The child ended.
            }
        }, "child-jvm-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no line starting with '" + prefix + "' within " + timeout + describe());
            }
            String line = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (line == null) {
                if (!process.isAlive() && lines.isEmpty()) {
                    throw new AssertionError("the child JVM exited with " + process.exitValue() + describe());
                }
            } else if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
    }

    void send(String line) {
        try {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the child JVM does not take commands" + describe(), e);
        }
    }

    long heapUsedAfterGc() throws InterruptedException {
        send("HEAP");
        return Long.parseLong(awaitLineStartingWith("HEAP ", TIMEOUT));
    }

    Map<String, String> status() throws InterruptedException {
        send("STATUS");
        Map<String, String> status = new HashMap<>();
        for (String pair : awaitLineStartingWith("STATUS ", TIMEOUT).split(" ")) {
            int eq = pair.indexOf('=');
            status.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return status;
    }

    /** Polls the status until it matches; fails with the last status after {@link #TIMEOUT}. */
    Map<String, String> awaitStatus(Predicate<Map<String, String>> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Map<String, String> status = status();
            if (condition.test(status)) {
                return status;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("status never matched; last: " + status + describe());
            }
            Thread.sleep(50); // poll interval of a bounded wait
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String describe() {
        return "\n--- child output ---\n" + output;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
