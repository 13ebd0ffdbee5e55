package dev.kvstore.benchmarks;

import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The report's description of the machine and of the software versions the run measured. */
final class Machine {

    private Machine() {
    }

    /**
     * @param masterJvm what the Java master's JVM sees ({@link Peers.JavaMaster#jvm()}), or "not started"
     * @param torch26Missing why there were no torch 2.6 rows, or null
     */
    static String describe(CpuLayout layout, String masterJvm, @Nullable String torch26Missing) {
        StringBuilder m = new StringBuilder();
        m.append("- CPU: ").append(cpuModel()).append(", `nproc` = ").append(run("nproc").trim()).append('\n');
        m.append("- Memory (`free -h`):\n\n```\n").append(run("free", "-h").stripTrailing()).append("\n```\n\n");
        m.append("- OS: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append('\n');
        m.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version"))
                .append(" (master JVM: -Xmx1g, default GC; it sees ").append(masterJvm).append(")\n");
        m.append("- CPU layout of the TCPStore suites: ").append(layout.describe()).append('\n');
        m.append("- PyTorch: ").append(run(PythonProcess.PYTHON, "-c",
                "import torch; print(torch.__version__)").trim()).append(" (Debian python3-torch), Python ")
                .append(run(PythonProcess.PYTHON, "-c", "import platform; print(platform.python_version())").trim())
                .append('\n');
        m.append("- PyTorch 2.6: ").append(torch26Version(torch26Missing)).append('\n');
        m.append("- PyTorch newest: ").append(chrootTorch(PythonRuntime.TORCH_NEWEST,
                "Debian unstable python3-torch in the chroot of `.ci/torch-chroot newest`")).append('\n');
        m.append("- python-etcd3: ").append(run(PythonProcess.PYTHON, "-c",
                "import etcd3; print(etcd3.__version__)").trim()).append('\n');
        m.append("- etcd: ").append(etcdVersion()).append('\n');
        m.append("- Load average at the end of the run (1, 5, 15 min): ").append(loadAverage()).append('\n');
        m.append("- Everything on one machine over loopback; the machine is shared (other builds may run), so "
                + "treat differences of a few percent as noise.\n");
        return m.toString();
    }

    private static String torch26Version(@Nullable String torch26Missing) {
        if (torch26Missing != null) {
            return "not available (" + torch26Missing + "): its rows are left out";
        }
        return chrootTorch(PythonRuntime.TORCH_2_6, "Debian 13 python3-torch in the chroot of `.ci/torch-chroot 2.6`");
    }

    /** @return the version of a chroot's torch and where it comes from, or why it is not available */
    static String chrootTorch(PythonRuntime runtime, String where) {
        try (PythonProcess probe = PythonProcess.start(runtime, "torch_runtime_probe.py")) {
            return probe.awaitLineStartingWith("TORCH ", Duration.ofMinutes(2)) + " (" + where + ", without libuv)";
        } catch (AssertionError | RuntimeException e) {
            return "not available (" + e.getMessage().lines().findFirst().orElse("") + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String loadAverage() {
        try {
            String[] words = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return words[0] + ", " + words[1] + ", " + words[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** @return the first line of {@code etcd --version} */
    static String etcdVersion() {
        String out = run(EtcdServer.BINARY, "--version");
        return out.lines().findFirst().orElse("etcd").trim();
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return out;
        } catch (IOException e) {
            return "(" + command[0] + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
