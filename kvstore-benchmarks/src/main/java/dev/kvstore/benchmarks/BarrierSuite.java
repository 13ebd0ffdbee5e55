package dev.kvstore.benchmarks;

import static dev.kvstore.benchmarks.BenchmarkRun.LOAD_TIMEOUT;
import static dev.kvstore.benchmarks.Report.fmt2;

import dev.kvstore.benchmarks.TcpStoreMasters.Lane;
import dev.kvstore.testing.PythonRuntime;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** TCPStore server barrier completion time: the Java master vs PyTorch's, for each lane of clients. */
final class BarrierSuite implements Suite {

    private static final int[] WORLDS = {8, 64, 512, 2048};

    @Override
    public String name() {
        return "barrier";
    }

    @Override
    public boolean needsTcpStoreMasters() {
        return true;
    }

    @Override
    public void run(BenchmarkRun run) {
        boolean quick = run.quick();
        CpuLayout layout = run.layout();
        Report report = run.report();
        Peers.JavaMaster java = run.masters().java();
        List<Lane> lanes = run.masters().lanes();
        Table table = new Table("Clients", "World size", "Rounds per master", "Java server p50 (ms)",
                "PyTorch server p50 (ms)", "Java/PyTorch", "Target");
        int round = 0;
        BenchmarkRun.progress("barrier: warm-up (world 64) on every master");
        int warmRounds = quick ? 20 : 100;
        Peers.javaLoad(layout, LOAD_TIMEOUT, "barrier", java.port(), 64, warmRounds, "warm-java", 0);
        for (Peers.TorchMaster torch : lanes.stream().map(Lane::torch).distinct().toList()) {
            // The Java load speaks LEGACY (torch 1.13's master); a 2.6 master is warmed by its own clients.
            if (torch.runtime() == PythonRuntime.TORCH_1_13) {
                Peers.javaLoad(layout, LOAD_TIMEOUT, "barrier", torch.port(), 64, warmRounds, "warm-torch", 0);
            } else {
                Peers.pythonLoad(layout, torch.runtime(), LOAD_TIMEOUT, "barrier", "127.0.0.1", torch.port(), 64,
                        warmRounds, "warm-torch-" + torch.runtime().name(), 0);
            }
        }
        for (Lane lane : lanes) {
            String clients = lane.clients();
            Peers.TorchMaster torch = lane.torch();
            for (int world : WORLDS) {
                int rounds = quick ? (world >= 2048 ? 2 : 3)
                        : world >= 2048 ? 5 : world >= 512 ? 10 : world >= 64 ? 50 : 100;
                BenchmarkRun.progress("barrier: " + clients + " ranks, world " + world);
                // A-B-B-A, half the rounds each; the median over both halves.
                int half = Math.max(2, rounds / 2);
                List<Double> javaRounds = new ArrayList<>();
                List<Double> torchRounds = new ArrayList<>();
                for (Peers.Master master : List.<Peers.Master>of(java, torch, torch, java)) {
                    for (double seconds : barrierSeconds(layout, master, lane.python(), world, half, "r" + round++)) {
                        (master == java ? javaRounds : torchRounds).add(seconds * 1000);
                    }
                }
                double onJava = Stats.median(javaRounds.stream().mapToDouble(Double::doubleValue).toArray());
                double onTorch = Stats.median(torchRounds.stream().mapToDouble(Double::doubleValue).toArray());
                double ratio = onJava / onTorch;
                String verdict = Report.atMost(ratio);
                report.noteMiss(verdict, "barrier, " + clients + " ranks, world " + world + ": Java/PyTorch time "
                        + fmt2(ratio));
                table.row(clients, world, 2 * half, fmt2(onJava), fmt2(onTorch), fmt2(ratio), verdict);
            }
        }
        report.section("TCPStore server: barrier completion time",
                "Every rank is one client connection with its own thread: it ADDs 1 to the round's counter, the rank "
                + "that brings it to the world size SETs the round's done key, and every rank WAITs for that key. "
                + "Time of a round: first rank starting to last rank released; median over the rounds, after "
                + "warm-up barriers on both servers; the rounds run interleaved Java, PyTorch, PyTorch, Java, half of "
                + "them in each run, each run a fresh client process that first runs unreported rounds (20 up to "
                + "world 64, 3 at 512, 1 at 2048). Java/PyTorch below 1 means the Java server is faster. "
                + ServerThroughputSuite.TORCH_VERSIONS_NOTE,
                table);
        report.target("Java TCPStore server barrier time ≤ PyTorch's, every world size: "
                + report.summary("barrier"));
    }

    /** Java clients when {@code python} is null, else that runtime's torch clients. */
    private static double[] barrierSeconds(CpuLayout layout, Peers.Master master, @Nullable PythonRuntime python,
            int world, int rounds, String prefix) {
        // Unreported rounds first: each run is a fresh client process (cold JIT in a Java one).
        int warmup = world >= 2048 ? 1 : world >= 512 ? 3 : 20;
        if (python == null) {
            return Peers.javaLoad(layout, LOAD_TIMEOUT, "barrier", master.port(), world, rounds, prefix, warmup)
                    .numbers("seconds");
        }
        return Peers.pythonLoad(layout, python, LOAD_TIMEOUT, "barrier", "127.0.0.1", master.port(), world, rounds,
                prefix, warmup).numbers("seconds");
    }
}
