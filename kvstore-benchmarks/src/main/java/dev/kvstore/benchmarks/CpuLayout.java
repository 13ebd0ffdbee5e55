package dev.kvstore.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Where the TCPStore benchmarks run. Shared (the default): every process on every CPU, as co-located services run.
 * Pinned ({@code --pin}): the master under test on the first allowed CPU, the load generators (Java load JVMs and
 * Python load processes) on the others, each pinned before it starts its threads ({@code taskset} for JVMs, so that a
 * JVM sizes its GC and compiler threads for the CPUs it has; {@code --cpus=} for the Python scripts, which pin
 * themselves first thing).
 *
 * <p>Pinning keeps a GIL-bound Python load from speeding up when the master happens to keep the other core busy (its
 * threads then hand the GIL over on one core instead of bouncing it between two); it also leaves the Java master one
 * core for its event loop, JIT and GC together. The notes in the benchmark report discuss both.
 */
final class CpuLayout {

    private final List<Integer> cpus;
    private final boolean pinning;

    private CpuLayout(List<Integer> cpus, boolean pinning) {
        this.cpus = cpus;
        this.pinning = pinning;
    }

    /** Pins if asked to, there are at least two CPUs and {@code taskset} works; shared CPUs otherwise. */
    static CpuLayout detect(boolean wanted) {
        List<Integer> cpus = allowedCpus();
        return new CpuLayout(cpus, wanted && cpus.size() >= 2 && tasksetWorks());
    }

    /** No pinning: every process on every CPU. */
    static CpuLayout shared() {
        return new CpuLayout(allowedCpus(), false);
    }

    /** @return the command prefix that starts a master's JVM on the master's CPU (empty without pinning) */
    List<String> masterLauncher() {
        return pinning ? List.of("taskset", "-c", masterCpus()) : List.of();
    }

    /** @return the command prefix that starts a load JVM on the load CPUs (empty without pinning) */
    List<String> loadLauncher() {
        return pinning ? List.of("taskset", "-c", loadCpus()) : List.of();
    }

    /** @return the leading argument that pins a Python master script, or none */
    List<Object> pythonMasterArgs() {
        return pinning ? List.of("--cpus=" + masterCpus()) : List.of();
    }

    /** @return the leading argument that pins a Python load script, or none */
    List<Object> pythonLoadArgs() {
        return pinning ? List.of("--cpus=" + loadCpus()) : List.of();
    }

    /** One line for the machine description. */
    String describe() {
        if (!pinning) {
            return "shared: masters and load generators on all " + cpus.size() + " CPUs (no pinning)";
        }
        return "pinned: the master under test on CPU " + masterCpus() + ", the load generators (Java and Python "
                + "clients) on CPU " + loadCpus();
    }

    private String masterCpus() {
        return String.valueOf(cpus.get(0));
    }

    private String loadCpus() {
        return cpus.subList(1, cpus.size()).stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static boolean tasksetWorks() {
        try {
            Process process = new ProcessBuilder("taskset", "-p", String.valueOf(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The CPUs this process may run on, from {@code Cpus_allowed_list} (e.g. {@code 0-3,8}). */
    static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            all.add(i);
        }
        return all;
    }

    static List<Integer> parseCpuList(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : text.split(",")) {
            String range = part.trim();
            if (range.isEmpty()) {
                continue;
            }
            int dash = range.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
            for (int cpu = from; cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }
}
