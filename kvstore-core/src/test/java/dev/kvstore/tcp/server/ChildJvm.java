package dev.kvstore.tcp.server;

import dev.kvstore.testing.PythonProcess;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A JVM running {@link ForkedMasterMain} (or another main class from the test classpath) through
 * {@link PythonProcess#startJava}, with the commands that main class answers on stdin: {@code HEAP}, {@code STATUS}.
 */
final class ChildJvm implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final PythonProcess process;

    private ChildJvm(PythonProcess process) {
        this.process = process;
    }

    static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return new ChildJvm(PythonProcess.startJava(mainClass, jvmOptions, (Object[]) args));
    }

    String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
        return process.awaitLineStartingWith(prefix, timeout);
    }

    void send(String line) {
        process.send(line);
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
        return process.describe();
    }

    @Override
    public void close() {
        process.close();
    }
}
