package dev.kvstore.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The sample application in a child JVM (this test classpath, main class {@link SampleApplication}; or the packaged
 * jar), as it runs in production: its own process, its own output, SIGTERM on {@link #terminate()}. Output is
 * collected for assertions.
 */
final class AppProcess implements AutoCloseable {

    private final Process process;

    private final List<String> lines = new ArrayList<>();

    private final Thread pump;

    private AppProcess(Process process) {
        this.process = process;
        this.pump = new Thread(this::pump, "app-output-" + process.pid());
        this.pump.setDaemon(true);
        this.pump.start();
    }

    static AppProcess start(String... args) {
        return start(List.of("-cp", System.getProperty("java.class.path"), SampleApplication.class.getName()), args);
    }

    /** Starts the packaged application ({@code java -jar}), as a user runs the built jar. */
    static AppProcess startJar(Path jar, String... args) {
        return start(List.of("-jar", jar.toString()), args);
    }

    private static AppProcess start(List<String> launch, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        command.addAll(launch);
        // Keep the child's output to the application's own logging (no JVM warnings mixed in), one line per event.
        command.add("--spring.main.banner-mode=off");
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            // Never inherit a torchrun environment from the build.
            builder.environment().keySet().removeAll(List.of("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE"));
            return new AppProcess(builder.start());
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot start " + command, ex);
        }
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (this.lines) {
                    this.lines.add(line);
                    this.lines.notifyAll();
                }
            }
        } catch (IOException ex) {
            // the process ended
        }
    }

    /** @return the first output line matching, waiting up to the timeout */
    String awaitLine(Predicate<String> matcher, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = 0;
        synchronized (this.lines) {
            while (true) {
                for (; next < this.lines.size(); next++) {
                    if (matcher.test(this.lines.get(next))) {
                        return this.lines.get(next);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no matching output line within " + timeout + ":\n" + output());
                }
                this.lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
            }
        }
    }

    /** @return everything the process printed so far */
    String output() {
        synchronized (this.lines) {
            return String.join("\n", this.lines);
        }
    }

    /** Waits for the process to exit. @return its exit code */
    int waitFor(Duration timeout) throws InterruptedException {
        if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + ":\n" + output());
        }
        this.pump.join(TimeUnit.SECONDS.toMillis(5)); // the last lines
        return this.process.exitValue();
    }

    /** Sends SIGTERM, as Kubernetes does when it stops a pod. */
    void terminate() {
        this.process.destroy();
    }

    /**
     * Runs a full garbage collection in the app ({@code jcmd <pid> GC.run}), so that the heap it reports next is
     * roughly its live data.
     */
    void collectGarbage() throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(this.process.pid()), "GC.run").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new AssertionError("jcmd GC.run failed: " + out);
        }
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (this.process.isAlive()) {
            this.process.destroy();
            if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
                this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

}
