package dev.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One run of the etcd binary for an {@link EtcdServer}: the process with its output appended to a log file, ended
 * gracefully or killed, signalled to freeze and thaw, and killed when the JVM exits (a test JVM that dies must not
 * leave etcd servers behind).
 */
final class EtcdProcess {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "etcd-server-reaper"));
    }

    private final Process process;
    private final String name;

    private EtcdProcess(Process process, String name) {
        this.process = process;
        this.name = name;
    }

    /** Starts the command with its output appended to the log file. */
    static EtcdProcess launch(List<String> command, Path logFile, String name) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            Process process = builder.start();
            RUNNING.add(process);
            return new EtcdProcess(process, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + " (is Debian's etcd-server installed?)",
                    e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Ends the process (SIGTERM, or SIGKILL if {@code kill}; SIGKILL after 10 s either way) and waits for it. */
    void end(boolean kill) {
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(process);
        }
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill}, bounded to 10 s. */
    void signal(String signal) {
        if (!process.isAlive()) {
            throw new IllegalStateException("etcd " + name + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling etcd " + name, e);
        }
    }
}
