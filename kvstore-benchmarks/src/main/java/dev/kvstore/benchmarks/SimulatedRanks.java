package dev.kvstore.benchmarks;

import dev.kvstore.testing.PythonProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N simulated ranks of one generation in as many {@link SimulatorMain} processes as the open-file limit needs (one
 * process holds at most {@value #FILES_PER_PROCESS} connections: the machine's 20,000 less the JVM's own files), spread
 * round-robin over the ports given (one master's port; a gateway target passes several): process p connects all its
 * ranks to port p modulo the ports, so with one process per gateway each gateway serves one process's ranks.
 */
final class SimulatedRanks implements AutoCloseable {

    /** Connections one simulator process holds at most. */
    static final int FILES_PER_PROCESS = 19_000;

    /** Past its own deadline a simulator answers at once; this bounds one that hangs. */
    private static final Duration GRACE = Duration.ofSeconds(60);

    private final int ranks;
    private final List<PythonProcess> processes = new ArrayList<>();
    /** Why ranks failed, over every process: reason -> "count, first after ms" per process. */
    private final Map<String, String> failures = new LinkedHashMap<>();

    /** The ranks of every process: the init phase. */
    record Init(long startEpochMicros, long lastRegisteredEpochMicros, int registered, int connectRetries,
            double cpuSeconds) {
    }

    /**
     * The ranks of every process: each barrier round's time (its first rank's start to its last rank's release; NaN
     * for a round not every rank left) and how many ranks it released.
     */
    record Barriers(double[] seconds, int[] released, double cpuSeconds) {
    }

    SimulatedRanks(List<Integer> ports, RankGeneration generation, int ranks) throws InterruptedException {
        this.ranks = ranks;
        int perProcess = FILES_PER_PROCESS / (generation.callbackConnection() ? 2 : 1);
        int count = Math.max(ports.size(), (ranks + perProcess - 1) / perProcess);
        // One master's ranks come from 127.0.0.1; gateways' all bind 127.1.x.y (RankSimulator.sourceAddress).
        int loopbackRanks = ports.size() == 1 ? RankSimulator.LOOPBACK_RANKS : 0;
        try {
            for (int p = 0, first = 0; p < count; p++) {
                int share = ranks / count + (p < ranks % count ? 1 : 0);
                processes.add(PythonProcess.startJava(SimulatorMain.class, List.of("-Xmx512m", "-XX:+UseSerialGC"),
                        "127.0.0.1", ports.get(p % ports.size()), generation.label(), share, first, loopbackRanks));
                first += share;
            }
            for (PythonProcess process : processes) {
                process.awaitLine("READY"::equals, Duration.ofSeconds(60));
            }
        } catch (RuntimeException | Error | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** @return how many simulator processes hold the ranks */
    int processCount() {
        return processes.size();
    }

    Init init(Duration timeout) throws InterruptedException {
        List<Json> results = all("INIT " + timeout.toSeconds(), timeout);
        long start = Long.MAX_VALUE;
        long last = 0;
        int registered = 0;
        int retries = 0;
        double cpu = 0;
        for (Json r : results) {
            start = Math.min(start, (long) r.number("start_us"));
            last = Math.max(last, (long) r.number("last_us"));
            registered += (int) r.number("registered");
            retries += (int) r.number("retries");
            cpu += r.number("cpu_s");
        }
        return new Init(start, last, registered, retries, cpu);
    }

    Barriers barriers(int rounds, String tag, Duration timeout) throws InterruptedException {
        List<Json> results = all("BARRIER " + rounds + " " + ranks + " " + tag + " " + timeout.toSeconds(), timeout);
        double[] seconds = new double[rounds];
        int[] released = new int[rounds];
        double cpu = 0;
        for (int r = 0; r < rounds; r++) {
            long start = Long.MAX_VALUE;
            long end = 0;
            for (Json result : results) {
                start = Math.min(start, (long) result.numbers("starts_us")[r]);
                end = Math.max(end, (long) result.numbers("ends_us")[r]);
                released[r] += (int) result.numbers("released")[r];
            }
            seconds[r] = released[r] == ranks ? (end - start) / 1e6 : Double.NaN;
        }
        for (Json result : results) {
            cpu += result.number("cpu_s");
        }
        return new Barriers(seconds, released, cpu);
    }

    /** @return why ranks failed so far: reason -> how many and when first, per simulator process */
    Map<String, String> failures() {
        return failures;
    }

    private List<Json> all(String command, Duration timeout) throws InterruptedException {
        for (PythonProcess process : processes) {
            process.send(command);
        }
        List<Json> results = new ArrayList<>();
        for (PythonProcess process : processes) {
            String line = process.awaitLine(l -> l.startsWith("{") || l.startsWith("FAILURE "), timeout.plus(GRACE));
            while (line.startsWith("FAILURE ")) {
                String[] words = line.split(" ", 4);
                failures.merge(words[3], words[1] + " ranks, first after " + words[2] + " ms", (a, b) -> a + "; " + b);
                line = process.awaitLine(l -> l.startsWith("{") || l.startsWith("FAILURE "), GRACE);
            }
            results.add(new Json(line));
        }
        return results;
    }

    @Override
    public void close() {
        processes.forEach(PythonProcess::close);
    }
}
