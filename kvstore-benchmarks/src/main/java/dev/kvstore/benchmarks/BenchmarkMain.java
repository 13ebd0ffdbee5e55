package dev.kvstore.benchmarks;

import dev.kvstore.tcp.TcpStoreClient;
import dev.kvstore.testing.EtcdServer;
import dev.kvstore.testing.PythonProcess;
import dev.kvstore.testing.PythonRuntime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Runs the benchmarks and prints markdown tables; with the full suite selected they are also written to
 * {@code docs/benchmarks.md}.
 *
 * <pre>
 * java -jar kvstore-benchmarks/target/kvstore-benchmarks.jar [--quick] [--only=server,barrier,client,etcd,memory]
 *      [--clients=java,torch1.13,torch2.6] [--pin] [--out=docs/benchmarks.md | --no-write]
 * </pre>
 */
public final class BenchmarkMain {

    static final List<String> SUITES = List.of("server", "barrier", "client", "etcd", "memory");
    /** The kinds of clients of the server and barrier suites. */
    static final List<String> CLIENTS = List.of("java", "torch1.13", "torch2.6");
    private static final String[] OPS = {"set", "get", "add"};
    private static final int[] CONNECTIONS = {1, 16, 256};
    private static final int[] WORLDS = {8, 64, 512, 2048};
    private static final int IDLE_CONNECTIONS = 2048;
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);

    private final boolean quick;
    private final CpuLayout layout;
    private String masterJvm = "not started";
    private final StringBuilder doc = new StringBuilder();
    private final List<String> targets = new ArrayList<>();
    private final List<String> misses = new ArrayList<>();
    /** Why the torch 2.6 rows are missing, or null. */
    private String torch26Missing;

    private static final String TORCH_VERSIONS_NOTE = "Java and PyTorch 1.13 clients are compared on PyTorch 1.13's "
            + "master, PyTorch 2.6 clients (the 2.2+ protocol) on PyTorch 2.6's master (Debian's build, without "
            + "libuv: the classic server).";

    private final Set<String> clients;

    private BenchmarkMain(boolean quick, CpuLayout layout, Set<String> clients) {
        this.quick = quick;
        this.layout = layout;
        this.clients = clients;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean write = true;
        boolean pin = false;
        Path out = Path.of("docs", "benchmarks.md");
        Set<String> suites = new LinkedHashSet<>(SUITES);
        Set<String> clients = new LinkedHashSet<>(CLIENTS);
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else if (arg.equals("--pin")) {
                pin = true;
            } else if (arg.equals("--no-write")) {
                write = false;
            } else if (arg.startsWith("--out=")) {
                out = Path.of(arg.substring("--out=".length()));
            } else if (arg.startsWith("--only=")) {
                suites = new LinkedHashSet<>(Arrays.asList(arg.substring("--only=".length()).split(",")));
                if (!SUITES.containsAll(suites)) {
                    throw new IllegalArgumentException("--only takes a comma list of " + SUITES + ", got " + suites);
                }
            } else if (arg.startsWith("--clients=")) {
                clients = new LinkedHashSet<>(Arrays.asList(arg.substring("--clients=".length()).split(",")));
                if (!CLIENTS.containsAll(clients)) {
                    throw new IllegalArgumentException("--clients takes a comma list of " + CLIENTS + ", got "
                            + clients);
                }
            } else {
                System.err.println("usage: java -jar kvstore-benchmarks.jar [--quick] [--only=" + String.join(",",
                        SUITES) + "] [--clients=" + String.join(",", CLIENTS)
                        + "] [--pin] [--out=docs/benchmarks.md | --no-write]");
                System.exit(arg.equals("--help") ? 0 : 2);
            }
        }
        String command = "java -jar kvstore-benchmarks/target/kvstore-benchmarks.jar" + (args.length == 0 ? ""
                : " " + String.join(" ", args));
        BenchmarkMain main = new BenchmarkMain(quick, CpuLayout.detect(pin), clients);
        Instant began = Instant.now();
        main.run(suites);
        String text = main.document(command, Duration.between(began, Instant.now()));
        System.out.println(text);
        if (write) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, text);
            System.err.println("wrote " + out.toAbsolutePath());
        }
        System.exit(0); // jetcd leaves non-daemon threads behind
    }

    private double warmup() {
        return quick ? 0.3 : 1.0;
    }

    private double seconds() {
        return quick ? 1.0 : 3.0;
    }

    private static void progress(String message) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + message);
    }

    /**
     * One kind of client against the Java master and a PyTorch master: Java clients or Python clients of a torch
     * version ({@code python} null for Java clients), compared on that torch version's master.
     */
    private record Lane(String clients, PythonRuntime python, Peers.TorchMaster torch) {
        boolean javaClients() {
            return python == null;
        }
    }

    private void run(Set<String> suites) throws Exception {
        if (suites.contains("server") || suites.contains("barrier") || suites.contains("client")) {
            try (Peers.JavaMaster java = new Peers.JavaMaster(layout);
                    Peers.TorchMaster torch = new Peers.TorchMaster(layout, PythonRuntime.TORCH_1_13);
                    Peers.TorchMaster torch26 = clients.contains("torch2.6") ? startTorch26Master() : null) {
                masterJvm = java.jvm();
                List<Lane> lanes = new ArrayList<>();
                if (clients.contains("java")) {
                    lanes.add(new Lane("Java (LEGACY)", null, torch));
                }
                if (clients.contains("torch1.13")) {
                    lanes.add(new Lane("PyTorch 1.13 Python", PythonRuntime.TORCH_1_13, torch));
                }
                if (torch26 != null) {
                    lanes.add(new Lane("PyTorch 2.6 Python", PythonRuntime.TORCH_2_6, torch26));
                }
                runTcpStoreSuites(suites, java, torch, lanes);
            }
        }
        if (suites.contains("etcd")) {
            etcd();
        }
        if (suites.contains("memory")) {
            memory();
        }
    }

    /** @return torch 2.6's master from the chroot, or null (its rows are left out, saying why) */
    private Peers.TorchMaster startTorch26Master() {
        try {
            PythonRuntime.TORCH_2_6.require();
            return new Peers.TorchMaster(layout, PythonRuntime.TORCH_2_6);
        } catch (AssertionError | RuntimeException e) {
            torch26Missing = e.getMessage().lines().findFirst().orElse("unavailable");
            progress("no torch 2.6 rows: " + torch26Missing);
            return null;
        }
    }

    private void runTcpStoreSuites(Set<String> suites, Peers.JavaMaster java, Peers.TorchMaster torch,
            List<Lane> lanes) throws Exception {
        if (suites.contains("server")) {
            serverThroughput(java, lanes);
        }
        if (suites.contains("barrier")) {
            barriers(java, lanes);
        }
        if (suites.contains("client")) {
            clients(torch);
        }
    }

    // --- TCPStore server: the Java master vs PyTorch's C++ master ----------------------------------------------------

    /** A throughput run's result: the rate, and the TCP segments the host sent per operation meanwhile. */
    private record Rate(double opsPerSecond, double segmentsPerOp) {
    }

    private double runSeconds() {
        return seconds() / 3;
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

    private Rate javaThroughput(Peers.Master master, String op, int conns) {
        Json result = Peers.javaLoad(layout, LOAD_TIMEOUT, "throughput", master.port(), op, conns, warmup(),
                runSeconds());
        return new Rate(result.number("ops_per_s"), result.number("segments") / result.number("ops"));
    }

    private Rate pythonThroughput(PythonRuntime python, Peers.Master master, String op, int conns) {
        Json result = Peers.pythonLoad(layout, python, LOAD_TIMEOUT, "throughput", "127.0.0.1", master.port(), op,
                conns, warmup(), runSeconds());
        return new Rate(result.number("ops") / result.number("seconds"),
                result.number("segments") / result.number("ops"));
    }

    private final double[][] torchMasterJavaClient = new double[OPS.length][CONNECTIONS.length];
    private final double[][] torchMasterPythonClient = new double[OPS.length][CONNECTIONS.length];
    private boolean clientThroughputMeasured;

    /** Java, PyTorch, PyTorch, Java, PyTorch, Java, Java, PyTorch: each master runs as often early as late. */
    private static final boolean[] JAVA_FIRST_ORDER = {true, false, false, true, false, true, true, false};

    private void serverThroughput(Peers.JavaMaster java, List<Lane> lanes) throws Exception {
        Table table = new Table("Clients", "Op", "Connections", "Java server (ops/s)", "PyTorch server (ops/s)",
                "Java/PyTorch", "Target", "Java runs, min–max", "PyTorch runs, min–max",
                "TCP segments/op, Java / PyTorch");
        for (Lane lane : lanes) {
            String clients = lane.clients();
            boolean javaClients = lane.javaClients();
            Peers.TorchMaster torch = lane.torch();
            for (int o = 0; o < OPS.length; o++) {
                for (int c = 0; c < CONNECTIONS.length; c++) {
                    String op = OPS[o];
                    int conns = CONNECTIONS[c];
                    progress("server throughput: " + clients + " clients, " + op + ", " + conns + " connections");
                    // Interleaved runs: slow drift on the shared machine hits both masters alike.
                    List<Rate> onJava = new ArrayList<>();
                    List<Rate> onTorch = new ArrayList<>();
                    for (boolean javaRun : JAVA_FIRST_ORDER) {
                        Peers.Master master = javaRun ? java : torch;
                        Rate rate = javaClients ? javaThroughput(master, op, conns)
                                : pythonThroughput(lane.python(), master, op, conns);
                        (javaRun ? onJava : onTorch).add(rate);
                    }
                    double javaMean = mean(onJava, Rate::opsPerSecond);
                    double torchMean = mean(onTorch, Rate::opsPerSecond);
                    if (torch.runtime() == PythonRuntime.TORCH_1_13) {
                        (javaClients ? torchMasterJavaClient : torchMasterPythonClient)[o][c] = torchMean;
                    }
                    double ratio = javaMean / torchMean;
                    String verdict = atLeast(ratio);
                    noteMiss(verdict, "server throughput, " + clients + " clients, " + op + " x" + conns
                            + ": Java/PyTorch " + fmt2(ratio) + overlapNote(onJava, onTorch));
                    table.row(clients, op, conns, ops(javaMean), ops(torchMean), fmt2(ratio), verdict,
                            range(onJava), range(onTorch), fmt1(mean(onJava, Rate::segmentsPerOp)) + " / "
                            + fmt1(mean(onTorch, Rate::segmentsPerOp)));
                }
            }
        }
        clientThroughputMeasured = clients.contains("java") && clients.contains("torch1.13");
        section("TCPStore server: throughput (Java master vs PyTorch's C++ master)",
                "The same load against each master in " + JAVA_FIRST_ORDER.length + " interleaved runs (Java, "
                + "PyTorch, PyTorch, Java, PyTorch, Java, Java, PyTorch); the mean of the runs per master, and their "
                + "range, which shows the run-to-run noise of this machine. The load runs in its own process (a JVM "
                + "for the Java clients, Python for torch's), every connection on its own thread, one operation in "
                + "a loop for " + runSeconds() + " s per run after " + warmup() + " s of warm-up, then a round trip "
                + "so that fire-and-forget SETs count only once processed. `set` cycles through 64 keys per "
                + "connection with a GETNUMKEYS round trip after every 64 SETs (SET has no reply; this bounds what "
                + "a fast client can queue; the "
                + "GETNUMKEYS are not counted), `get` (WAIT + GET, as torch's `get`) reads one key per connection, "
                + "`add` increments one shared counter. Java/PyTorch above 1 means the Java server is faster. "
                + TORCH_VERSIONS_NOTE + " The last column is the host's TCP segments (both directions, ACKs included) per operation while the "
                + "load was measured: how well the client's writes coalesced (see the notes).",
                table);
        targets.add("Java TCPStore server throughput ≥ PyTorch's, every row: " + summary("server throughput"));
    }

    private void barriers(Peers.JavaMaster java, List<Lane> lanes) throws Exception {
        Table table = new Table("Clients", "World size", "Rounds per master", "Java server p50 (ms)",
                "PyTorch server p50 (ms)", "Java/PyTorch", "Target");
        int run = 0;
        progress("barrier: warm-up (world 64) on every master");
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
                progress("barrier: " + clients + " ranks, world " + world);
                // A-B-B-A, half the rounds each; the median over both halves.
                int half = Math.max(2, rounds / 2);
                List<Double> javaRounds = new ArrayList<>();
                List<Double> torchRounds = new ArrayList<>();
                for (Peers.Master master : List.<Peers.Master>of(java, torch, torch, java)) {
                    for (double seconds : barrierSeconds(master, lane.python(), world, half, "r" + run++)) {
                        (master == java ? javaRounds : torchRounds).add(seconds * 1000);
                    }
                }
                double onJava = Stats.median(javaRounds.stream().mapToDouble(Double::doubleValue).toArray());
                double onTorch = Stats.median(torchRounds.stream().mapToDouble(Double::doubleValue).toArray());
                double ratio = onJava / onTorch;
                String verdict = atMost(ratio);
                noteMiss(verdict, "barrier, " + clients + " ranks, world " + world + ": Java/PyTorch time "
                        + fmt2(ratio));
                table.row(clients, world, 2 * half, fmt2(onJava), fmt2(onTorch), fmt2(ratio), verdict);
            }
        }
        section("TCPStore server: barrier completion time",
                "Every rank is one client connection with its own thread: it ADDs 1 to the round's counter, the rank "
                + "that brings it to the world size SETs the round's done key, and every rank WAITs for that key. "
                + "Time of a round: first rank starting to last rank released; median over the rounds, after "
                + "warm-up barriers on both servers; the rounds run interleaved Java, PyTorch, PyTorch, Java, half of "
                + "them in each run, each run a fresh client process that first runs unreported rounds (20 up to "
                + "world 64, 3 at 512, 1 at 2048). Java/PyTorch below 1 means the Java server is faster. "
                + TORCH_VERSIONS_NOTE,
                table);
        targets.add("Java TCPStore server barrier time ≤ PyTorch's, every world size: " + summary("barrier"));
    }

    /** Java clients when {@code python} is null, else that runtime's torch clients. */
    private double[] barrierSeconds(Peers.Master master, PythonRuntime python, int world, int rounds,
            String prefix) {
        // Unreported rounds first: each run is a fresh client process (cold JIT in a Java one).
        int warmup = world >= 2048 ? 1 : world >= 512 ? 3 : 20;
        if (python == null) {
            return Peers.javaLoad(layout, LOAD_TIMEOUT, "barrier", master.port(), world, rounds, prefix, warmup)
                    .numbers("seconds");
        }
        return Peers.pythonLoad(layout, python, LOAD_TIMEOUT, "barrier", "127.0.0.1", master.port(), world, rounds,
                prefix, warmup).numbers("seconds");
    }

    // --- TCPStore client: the Java client vs torch's Python client, same PyTorch master -----------------------------

    private void clients(Peers.TorchMaster torch) throws Exception {
        int n = quick ? 1000 : 5000;
        Table latency = new Table("Op", "Java client p50 (µs)", "Java p99 (µs)", "Python client p50 (µs)",
                "Python p99 (µs)", "Java/Python p50");
        for (String op : OPS) {
            progress("client latency: " + op);
            Json java = Peers.javaLoad(layout, LOAD_TIMEOUT, "latency", torch.port(), op, n, warmup());
            Json python = Peers.pythonLoad(layout, PythonRuntime.TORCH_1_13, LOAD_TIMEOUT, "latency", "127.0.0.1",
                    torch.port(), op, n);
            latency.row(op, fmt1(java.number("p50_us")), fmt1(java.number("p99_us")), fmt1(python.number("p50_us")),
                    fmt1(python.number("p99_us")), fmt2(java.number("p50_us") / python.number("p50_us")));
        }
        Table throughput = new Table("Op", "Connections", "Java client (ops/s)", "Python client (ops/s)",
                "Java/Python");
        for (int o = 0; o < OPS.length; o++) {
            for (int c = 0; c < CONNECTIONS.length; c++) {
                double java;
                double python;
                if (clientThroughputMeasured) {
                    java = torchMasterJavaClient[o][c];
                    python = torchMasterPythonClient[o][c];
                } else {
                    progress("client throughput: " + OPS[o] + " x" + CONNECTIONS[c]);
                    java = javaThroughput(torch, OPS[o], CONNECTIONS[c]).opsPerSecond();
                    python = pythonThroughput(PythonRuntime.TORCH_1_13, torch, OPS[o], CONNECTIONS[c]).opsPerSecond();
                }
                throughput.row(OPS[o], CONNECTIONS[c], ops(java), ops(python), fmt2(java / python));
            }
        }
        section("TCPStore client: Java `TcpStoreClient` vs torch's Python `TCPStore` (same PyTorch 1.13 master)",
                "Sequential latency of one connection over " + n + " operations (after warm-up; `set` has no reply "
                + "in the protocol, so its latency is the time to send). Java/Python below 1 means the Java client "
                + "is faster.", latency);
        section(null, "Throughput with concurrent connections against the PyTorch master (the PyTorch-server column "
                + "of the server table). Java/Python above 1 means the Java client is faster.", throughput);
    }

    // --- etcd ------------------------------------------------------------------------------------------------------

    private void etcd() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            String endpoint = etcd.endpoint();
            int port = etcd.member().clientPort();
            int n = quick ? 300 : 2000;
            Table table = new Table("Measure", "EtcdKVStore (Java)", "python-etcd3", "Java/Python", "Target");
            for (String op : List.of("set", "get")) {
                progress("etcd sequential " + op);
                Stats java = JavaEtcdLoad.latency(endpoint, op, n, warmup());
                Json python = Peers.python("bench_etcd.py", LOAD_TIMEOUT, "latency", "127.0.0.1", port, op, n);
                table.row("sequential " + op + " p50 (µs)", fmt1(java.p50Micros()), fmt1(python.number("p50_us")),
                        fmt2(java.p50Micros() / python.number("p50_us")), "");
                table.row("sequential " + op + " p99 (µs)", fmt1(java.p99Micros()), fmt1(python.number("p99_us")),
                        fmt2(java.p99Micros() / python.number("p99_us")), "");
            }
            int threads = 16;
            for (String op : List.of("set", "get")) {
                progress("etcd throughput " + op);
                double java = JavaEtcdLoad.throughput(endpoint, op, threads, warmup(), seconds());
                Json python = Peers.python("bench_etcd.py", LOAD_TIMEOUT, "throughput", "127.0.0.1", port, op,
                        threads, warmup(), seconds());
                double py = python.number("ops") / python.number("seconds");
                table.row(op + " throughput, " + threads + " threads (ops/s)", ops(java), ops(py), fmt2(java / py),
                        "");
            }
            int wakes = quick ? 20 : 100;
            progress("etcd waitForKey wake-up");
            Stats java = JavaEtcdLoad.wake(endpoint, wakes);
            Json python = Peers.python("bench_etcd.py", LOAD_TIMEOUT, "wake", "127.0.0.1", port, wakes);
            String verdict = java.p50Micros() < 5000 ? "met (< 5 ms)" : "**missed** (≥ 5 ms)";
            noteMiss(verdict, "etcd waitForKey wake-up p50 " + fmt2(java.p50Micros() / 1000) + " ms");
            table.row("waitForKey wake-up p50 (µs)", fmt1(java.p50Micros()), fmt1(python.number("p50_us")),
                    fmt2(java.p50Micros() / python.number("p50_us")), verdict);
            table.row("waitForKey wake-up p99 (µs)", fmt1(java.p99Micros()), fmt1(python.number("p99_us")),
                    fmt2(java.p99Micros() / python.number("p99_us")), "");
            boolean allMet = verdict.startsWith("met");
            for (int ranks : new int[] {64, 512}) {
                int rounds = quick ? (ranks > 64 ? 2 : 5) : (ranks > 64 ? 8 : 20);
                progress("etcd waitForKeys " + ranks + " ranks");
                Stats keys = JavaEtcdLoad.wakeKeys(endpoint, ranks, rounds);
                Json py = Peers.python("bench_etcd.py", LOAD_TIMEOUT, "wakekeys", "127.0.0.1", port, ranks, rounds);
                String v = keys.p50Micros() < 5000 ? "met (< 5 ms)" : "**missed** (≥ 5 ms)";
                noteMiss(v, "etcd waitForKeys(" + ranks + ") wake-up p50 " + fmt2(keys.p50Micros() / 1000) + " ms");
                allMet &= v.startsWith("met");
                table.row("waitForKeys " + ranks + " ranks: wake-up after last set p50 (µs)", fmt1(keys.p50Micros()),
                        fmt1(py.number("p50_us")), fmt2(keys.p50Micros() / py.number("p50_us")), v);
                table.row("waitForKeys " + ranks + " ranks: wake-up after last set p99 (µs)", fmt1(keys.p99Micros()),
                        fmt1(py.number("p99_us")), fmt2(keys.p99Micros() / py.number("p99_us")), "");
                table.row("waitForKeys " + ranks + " ranks: round p50 (ms)", fmt1(keys.opsPerSecond()),
                        fmt1(py.number("round_p50_ms")), fmt2(keys.opsPerSecond() / py.number("round_p50_ms")), "");
            }
            section("etcd: `EtcdKVStore` vs python-etcd3 (same local etcd " + etcdVersion() + ")",
                    "Sequential latency over " + n + " operations of one client; throughput of " + threads
                    + " threads sharing one client for " + seconds() + " s. Wake-up: a waiter blocks in "
                    + "`waitForKey` (Python: the reference's pattern, watch then read), another client sets the key; "
                    + "the sample is from the start of that set to the waiter's return (" + wakes + " samples). "
                    + "waitForKeys: one waiter waits for `rank:*` = \"1\" on N keys that one client sets in turn; "
                    + "wake-up is measured from the start of the last rank's set, the round from the first set. "
                    + "For latencies and times Java/Python below 1 means Java is faster; for throughput above 1.",
                    table);
            targets.add("etcd wake-up latency p50 < 5 ms on loopback (waitForKey and waitForKeys): "
                    + (allMet ? "met" : "**missed**"));
        }
    }

    // --- memory ----------------------------------------------------------------------------------------------------

    private void memory() throws Exception {
        Table table = new Table("Server", "Connections held", "Heap after GC, baseline → loaded",
                "Heap per connection", "RSS baseline → loaded", "RSS per connection");
        boolean held = true;
        for (boolean javaServer : new boolean[] {true, false}) {
            progress("memory: " + IDLE_CONNECTIONS + " idle connections on the " + (javaServer ? "Java" : "PyTorch")
                    + " server");
            CpuLayout shared = CpuLayout.shared(); // idle connections: where processes run does not matter
            try (Peers.Master master = javaServer ? new Peers.JavaMaster(shared) : new Peers.TorchMaster(shared, PythonRuntime.TORCH_1_13)) {
                Peers.JavaMaster java = javaServer ? (Peers.JavaMaster) master : null;
                long heap0 = java != null ? java.heapUsedAfterGc() : 0;
                long rss0 = master.rssBytes();
                List<TcpStoreClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                        clients.add(JavaTcpLoad.connect(master.port()));
                    }
                    int served = 0;
                    for (TcpStoreClient client : clients) {
                        client.numKeys(); // every connection is served, then stays idle
                        served++;
                    }
                    long heap1 = java != null ? java.heapUsedAfterGc() : 0;
                    long rss1 = master.rssBytes();
                    String count = java != null ? java.connections() + " of " + IDLE_CONNECTIONS
                            : served + " of " + IDLE_CONNECTIONS + " (served)";
                    if (java != null) {
                        held &= java.connections() >= IDLE_CONNECTIONS && served == IDLE_CONNECTIONS;
                    }
                    table.row(javaServer ? "Java" : "PyTorch 1.13 C++", count,
                            java != null ? mib(heap0) + " → " + mib(heap1) : "n/a (C++)",
                            java != null ? bytes((heap1 - heap0) / IDLE_CONNECTIONS) : "n/a",
                            mib(rss0) + " → " + mib(rss1), bytes((rss1 - rss0) / IDLE_CONNECTIONS));
                } finally {
                    clients.forEach(TcpStoreClient::close);
                }
            }
        }
        section("Memory: " + IDLE_CONNECTIONS + " idle connections",
                "A fresh master of each kind; " + IDLE_CONNECTIONS + " Java LEGACY connections each make one request "
                + "(GETNUMKEYS) and stay open. Java heap: used heap after `System.gc()` in the server JVM (minimum "
                + "of four readings), loaded minus baseline, per connection. RSS from /proc/PID/status for both.",
                table);
        targets.add("Java server holds " + IDLE_CONNECTIONS + " connections: " + (held ? "met" : "**missed**"));
    }

    // --- the document ----------------------------------------------------------------------------------------------

    private void section(String title, String text, Table table) {
        if (title != null) {
            doc.append("## ").append(title).append("\n\n");
        }
        doc.append(text).append("\n\n").append(table.markdown()).append('\n');
        System.err.println(table.markdown());
    }

    private String document(String command, Duration took) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append("# Benchmarks\n\n");
        text.append("Generated by the benchmark harness (`kvstore-benchmarks`); every number below was measured by "
                + "the run described here. Reproduce with:\n\n```sh\n"
                + "mvn -B -q -pl kvstore-benchmarks -am package -DskipTests\n" + command + "\n```\n\n");
        text.append("Run: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(", took ")
                .append(took.toMinutes()).append(" min ").append(took.toSecondsPart()).append(" s")
                .append(quick ? " (**--quick**: short runs, noisier numbers)" : "").append(".\n\n");
        text.append("## Machine\n\n").append(machine()).append('\n');
        text.append("## Targets\n\n");
        for (String target : targets) {
            text.append("- ").append(target).append('\n');
        }
        if (!misses.isEmpty()) {
            text.append("\nMissed in this run:\n\n");
            for (String miss : misses) {
                text.append("- ").append(miss).append('\n');
            }
        }
        text.append('\n').append(doc);
        text.append("## Notes\n\n").append(resource("/benchmark-notes.md"));
        return text.toString();
    }

    private void noteMiss(String verdict, String what) {
        if (verdict.contains("missed")) {
            misses.add(what);
        }
    }

    private String summary(String prefix) {
        long missed = misses.stream().filter(m -> m.startsWith(prefix)).count();
        return missed == 0 ? "met" : "**missed** in " + missed + " row(s)";
    }

    private static String atLeast(double ratio) {
        return ratio >= 1.0 ? "met" : ratio >= 0.95 ? "met (within 5 %)" : "**missed**";
    }

    private static String atMost(double ratio) {
        return ratio <= 1.0 ? "met" : ratio <= 1.05 ? "met (within 5 %)" : "**missed**";
    }

    private String machine() {
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
        m.append("- PyTorch 2.6: ").append(torch26Version()).append('\n');
        m.append("- python-etcd3: ").append(run(PythonProcess.PYTHON, "-c",
                "import etcd3; print(etcd3.__version__)").trim()).append('\n');
        m.append("- etcd: ").append(etcdVersion()).append('\n');
        m.append("- Everything on one machine over loopback; the machine is shared (other builds may run), so "
                + "treat differences of a few percent as noise.\n");
        return m.toString();
    }

    private String torch26Version() {
        if (torch26Missing != null) {
            return "not available (" + torch26Missing + "): its rows are left out";
        }
        try (PythonProcess probe = PythonProcess.start(PythonRuntime.TORCH_2_6, "torch_runtime_probe.py")) {
            return probe.awaitLineStartingWith("TORCH ", Duration.ofMinutes(2))
                    + " (Debian 13 python3-torch in the chroot of .ci/torch26-chroot, without libuv)";
        } catch (AssertionError | RuntimeException e) {
            return "not available (" + e.getMessage().lines().findFirst().orElse("") + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String etcdVersion() {
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

    private static String resource(String name) throws IOException {
        try (InputStream in = BenchmarkMain.class.getResourceAsStream(name)) {
            if (in == null) {
                return "";
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String ops(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    static String fmt1(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String fmt2(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String bytes(long bytes) {
        return String.format(Locale.ROOT, "%,d B", bytes);
    }
}
