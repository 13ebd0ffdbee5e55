package dev.kvstore.benchmarks;

import static dev.kvstore.benchmarks.BenchmarkRun.CONNECTIONS;
import static dev.kvstore.benchmarks.BenchmarkRun.OPS;
import static dev.kvstore.benchmarks.Report.fmt1;
import static dev.kvstore.benchmarks.Report.fmt2;
import static dev.kvstore.benchmarks.Report.ops;

import dev.kvstore.benchmarks.BenchmarkRun.Rate;
import dev.kvstore.benchmarks.TcpStoreMasters.Lane;
import dev.kvstore.testing.PythonRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** TCPStore server throughput: the Java master vs PyTorch's C++ master, for each lane of clients. */
final class ServerThroughputSuite implements Suite {

    /** Java, PyTorch, PyTorch, Java, PyTorch, Java, Java, PyTorch: each master runs as often early as late. */
    private static final boolean[] JAVA_FIRST_ORDER = {true, false, false, true, false, true, true, false};

    static final String TORCH_VERSIONS_NOTE = "Java and PyTorch 1.13 clients are compared on PyTorch 1.13's "
            + "master, PyTorch 2.6 clients (the 2.2+ protocol) on PyTorch 2.6's master (Debian's build, without "
            + "libuv: the classic server).";

    @Override
    public String name() {
        return "server";
    }

    @Override
    public boolean needsTcpStoreMasters() {
        return true;
    }

    @Override
    public void run(BenchmarkRun run) {
        Report report = run.report();
        TcpStoreMasters masters = run.masters();
        double[][] javaClientsOnTorch = new double[OPS.length][CONNECTIONS.length];
        double[][] pythonClientsOnTorch = new double[OPS.length][CONNECTIONS.length];
        Table table = new Table("Clients", "Op", "Connections", "Java server (ops/s)", "PyTorch server (ops/s)",
                "Java/PyTorch", "Target", "Java runs, min–max", "PyTorch runs, min–max",
                "TCP segments/op, Java / PyTorch");
        for (Lane lane : masters.lanes()) {
            String clients = lane.clients();
            boolean javaClients = lane.javaClients();
            Peers.TorchMaster torch = lane.torch();
            for (int o = 0; o < OPS.length; o++) {
                for (int c = 0; c < CONNECTIONS.length; c++) {
                    String op = OPS[o];
                    int conns = CONNECTIONS[c];
                    BenchmarkRun.progress("server throughput: " + clients + " clients, " + op + ", " + conns
                            + " connections");
                    // Interleaved runs: slow drift on the shared machine hits both masters alike.
                    List<Rate> onJava = new ArrayList<>();
                    List<Rate> onTorch = new ArrayList<>();
                    for (boolean javaRun : JAVA_FIRST_ORDER) {
                        Peers.Master master = javaRun ? masters.java() : torch;
                        Rate rate = javaClients ? run.javaThroughput(master, op, conns)
                                : run.pythonThroughput(lane.python(), master, op, conns);
                        (javaRun ? onJava : onTorch).add(rate);
                    }
                    double javaMean = mean(onJava, Rate::opsPerSecond);
                    double torchMean = mean(onTorch, Rate::opsPerSecond);
                    if (torch.runtime() == PythonRuntime.TORCH_1_13) {
                        (javaClients ? javaClientsOnTorch : pythonClientsOnTorch)[o][c] = torchMean;
                    }
                    double ratio = javaMean / torchMean;
                    String verdict = Report.atLeast(ratio);
                    report.noteMiss(verdict, "server throughput, " + clients + " clients, " + op + " x" + conns
                            + ": Java/PyTorch " + fmt2(ratio) + overlapNote(onJava, onTorch));
                    table.row(clients, op, conns, ops(javaMean), ops(torchMean), fmt2(ratio), verdict,
                            range(onJava), range(onTorch), fmt1(mean(onJava, Rate::segmentsPerOp)) + " / "
                            + fmt1(mean(onTorch, Rate::segmentsPerOp)));
                }
            }
        }
        if (run.options().clients().contains("java") && run.options().clients().contains("torch1.13")) {
            run.torchMasterRates(new BenchmarkRun.TorchMasterRates(javaClientsOnTorch, pythonClientsOnTorch));
        }
        report.section("TCPStore server: throughput (Java master vs PyTorch's C++ master)",
                "The same load against each master in " + JAVA_FIRST_ORDER.length + " interleaved runs (Java, "
                + "PyTorch, PyTorch, Java, PyTorch, Java, Java, PyTorch); the mean of the runs per master, and their "
                + "range, which shows the run-to-run noise of this machine. The load runs in its own process (a JVM "
                + "for the Java clients, Python for torch's), every connection on its own thread, one operation in "
                + "a loop for " + run.runSeconds() + " s per run after " + run.options().warmup() + " s of warm-up, "
                + "then a round trip "
                + "so that fire-and-forget SETs count only once processed. `set` cycles through 64 keys per "
                + "connection with a GETNUMKEYS round trip after every 64 SETs (SET has no reply; this bounds what "
                + "a fast client can queue; the "
                + "GETNUMKEYS are not counted), `get` (WAIT + GET, as torch's `get`) reads one key per connection, "
                + "`add` increments one shared counter. Java/PyTorch above 1 means the Java server is faster. "
                + TORCH_VERSIONS_NOTE + " The last column is the host's TCP segments (both directions, ACKs included) "
                + "per operation while the "
                + "load was measured: how well the client's writes coalesced (see the notes).",
                table);
        report.target("Java TCPStore server throughput ≥ PyTorch's, every row: "
                + report.summary("server throughput"));
    }

    private static double mean(List<Rate> rates, ToDoubleFunction<Rate> value) {
        return rates.stream().mapToDouble(value).average().orElseThrow();
    }

    private static String range(List<Rate> rates) {
        return ops(rates.stream().mapToDouble(Rate::opsPerSecond).min().orElseThrow()) + "–"
                + ops(rates.stream().mapToDouble(Rate::opsPerSecond).max().orElseThrow());
    }

    /** Says whether the slowest PyTorch run was no faster than the fastest Java run (the runs' ranges overlap). */
    private static String overlapNote(List<Rate> java, List<Rate> torch) {
        double javaBest = java.stream().mapToDouble(Rate::opsPerSecond).max().orElseThrow();
        double torchWorst = torch.stream().mapToDouble(Rate::opsPerSecond).min().orElseThrow();
        return javaBest >= torchWorst ? " (the runs' ranges overlap)" : " (every PyTorch run was faster)";
    }
}
