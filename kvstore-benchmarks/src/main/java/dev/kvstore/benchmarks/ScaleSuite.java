package dev.kvstore.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Rendezvous at scale, as PyTorch's "Introduction to Libuv TCPStore Backend" tutorial measured it, with simulated
 * ranks ({@link SimulatedRanks}) against each master in its own process: store init (N ranks connect and register;
 * the time until the master's wait for its workers completes, on the master's clock) and the tutorial's store-based
 * barrier ten times in a row. Sizes from {@code --sizes} (default 1K, 4K, 8K, 16K and the largest N one process's
 * open files allow); masters from {@code --masters}. A master that fails or times out at a size is a result: the
 * row says when and how. Outside CI; its smoke run is ScaleSmokeTest.
 */
final class ScaleSuite implements Suite {

    /** The machine's open files per process (its hard limit, which root cannot raise here). */
    static final int OPEN_FILES = 20_000;
    /** Files a master process holds besides its ranks' connections (JVM or Python, listen socket, pipes). */
    private static final int MASTER_OWN_FILES = 100;
    /** The largest N one master process can hold with one connection per rank. */
    static final int LARGEST = OPEN_FILES - MASTER_OWN_FILES;
    static final int ROUNDS = 10;
    /** The targets for one Java master at 16K ranks. */
    private static final double INIT_TARGET_SECONDS = 2.0;
    private static final double BARRIER_TARGET_SECONDS = 0.250;
    private static final int TARGET_RANKS = 16_384;
    /** The targets for gateways: 96K ranks over six gateways on one etcd. */
    private static final double GATEWAY_INIT_TARGET_SECONDS = 30.0;
    private static final double GATEWAY_BARRIER_TARGET_SECONDS = 5.0;
    private static final int GATEWAY_TARGET_RANKS = 98_304;
    /** The members of the {@code gateways-cluster} target's etcd. */
    static final int ETCD_CLUSTER_MEMBERS = 3;

    @Override
    public String name() {
        return "scale";
    }

    /**
     * One measured cell: a target at a size, or why it has no numbers. For gateways, the master's CPU and heap are
     * summed over the gateways, and {@code etcd} is what their etcd did (null for a one-master target, or a cell that
     * did not run).
     */
    record Cell(int ranks, String master, String generation, double initSeconds, double[] barrierSeconds,
            double masterCpuInitSeconds, double masterCpuBarrierSeconds, long heapPerConnection,
            double simulatorCpuSeconds, int simulatorProcesses, int connectRetries, long listenOverflows,
            String outcome, int gateways, @Nullable EtcdLoad etcd) {

        boolean completed() {
            return outcome.equals("completed");
        }

        double barrierMedian() {
            double[] done = Arrays.stream(barrierSeconds).filter(s -> !Double.isNaN(s)).toArray();
            return done.length == barrierSeconds.length && done.length > 0 ? Stats.median(done) : Double.NaN;
        }

        double barrierMax() {
            return Arrays.stream(barrierSeconds).max().orElse(Double.NaN);
        }
    }

    /**
     * What the gateways' etcd did: its members' CPU time and its counters ({@link ScaleEtcd.Counters}) during init
     * and over all barriers.
     */
    record EtcdLoad(int members, double cpuInitSeconds, double cpuBarrierSeconds, ScaleEtcd.Counters init,
            ScaleEtcd.Counters barriers) {
    }

    @Override
    public void run(BenchmarkRun run) throws Exception {
        BenchmarkOptions options = run.options();
        Duration initTimeout = Duration.ofSeconds(options.scaleTimeoutSeconds());
        List<ScaleTarget> targets = targets(options.masters());
        List<Cell> cells = new ArrayList<>();
        for (int size : options.sizes()) {
            for (ScaleTarget target : targets) {
                cells.add(measure(target, size, initTimeout, recording(options.jfr(), target, size)));
            }
        }
        report(run.report(), cells, initTimeout);
    }

    static List<ScaleTarget> targets(List<String> masters) {
        // First at every size: the simulator against a server that only answers, the ceiling of the others.
        List<ScaleTarget> targets = new ArrayList<>(List.of(ScaleTarget.answerOnly(RankGeneration.TORCH_NEWEST)));
        for (String master : masters) {
            switch (master) {
                case "java" -> {
                    targets.add(ScaleTarget.javaMaster(RankGeneration.TORCH_NEWEST));
                    targets.add(ScaleTarget.javaMaster(RankGeneration.TORCH_1_13));
                }
                case "torch1.13" -> targets.add(ScaleTarget.torchMaster(RankGeneration.TORCH_1_13));
                case "torch2.6" -> targets.add(ScaleTarget.torchMaster(RankGeneration.TORCH_2_6));
                case "torchnewest" -> targets.add(ScaleTarget.torchMaster(RankGeneration.TORCH_NEWEST));
                case "gateways" -> targets.add(ScaleTarget.gateways(1, ScaleTarget.RANKS_PER_GATEWAY));
                case "gateways-cluster" -> targets.add(ScaleTarget.gateways(ETCD_CLUSTER_MEMBERS,
                        ScaleTarget.RANKS_PER_GATEWAY));
                default -> throw new IllegalArgumentException("no scale master " + master);
            }
        }
        return targets;
    }

    /**
     * @return the JVM options that make a Java process of the row record a profile to {@code dir}, one file per row
     *     and process ({@code scale-16384-java-master-master.jfr}); none without a directory
     */
    static Function<String, List<String>> recording(@Nullable Path dir, ScaleTarget target, int size) {
        if (dir == null) {
            return process -> List.of();
        }
        String row = "scale-" + size + "-" + target.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-")
                + "-" + target.ranks().label();
        return process -> List.of("-XX:StartFlightRecording=settings=profile,filename="
                + dir.toAbsolutePath().resolve(row + "-" + process + ".jfr"));
    }

    /**
     * Runs init and the barriers of {@code size} ranks against a fresh target: each phase within {@code timeout}, per
     * gateway for gateways (each serves its share of the ranks as one master would).
     *
     * @param jvmOptions what the target's Java processes add to their options, by process name
     */
    static Cell measure(ScaleTarget target, int size, Duration timeout,
            Function<String, List<String>> jvmOptions) throws InterruptedException {
        RankGeneration generation = target.ranks();
        int perRank = generation.callbackConnection() ? 2 : 1;
        String unavailable = target.unavailable();
        if (unavailable != null) {
            return failed(size, target, "not run: " + unavailable);
        }
        int gateways = target.gatewaysFor(size);
        Duration initTimeout = timeout.multipliedBy(Math.max(1, gateways));
        if (gateways == 0 && size * perRank > LARGEST) {
            return failed(size, target, "not run: " + perRank + " connections per " + generation.label()
                    + " rank exceed one process's " + OPEN_FILES + " open files");
        }
        BenchmarkRun.progress("scale: " + size + " " + generation.label() + " ranks against the " + target.name()
                + (gateways > 0 ? " (" + gateways + ")" : ""));
        try (ScaleTarget.Started master = target.start(size + 1, initTimeout, jvmOptions)) {
            awaitListening(master, Duration.ofSeconds(120));
            long heapBefore = master.heapAfterGc();
            try (SimulatedRanks ranks = new SimulatedRanks(master.ports(), generation, size)) {
                EtcdPhase etcdInit = EtcdPhase.begin(master.etcd());
                double cpuBefore = master.cpuSeconds();
                long overflowsBefore = TcpCounters.tcpExt("ListenOverflows");
                SimulatedRanks.Init init = ranks.init(initTimeout);
                long overflows = TcpCounters.tcpExt("ListenOverflows") - overflowsBefore;
                long done;
                try {
                    // The simulators answered once all registered, or at their deadline: the master is due now.
                    done = master.awaitInit(Duration.ofSeconds(30));
                } catch (AssertionError | IllegalStateException e) {
                    String how = e instanceof AssertionError ? "its wait for workers did not complete within "
                            + initTimeout.toSeconds() + " s" : "it failed: " + e.getMessage();
                    EtcdPhase initEnd = etcdInit.end();
                    return new Cell(size, target.name(), generation.label(), Double.NaN, new double[0],
                            master.cpuSeconds() - cpuBefore, 0, 0, init.cpuSeconds(), ranks.processCount(),
                            init.connectRetries(), overflows, "init failed: " + how + "; " + init.registered()
                            + " of " + size + " ranks registered" + failures(ranks.failures()), gateways,
                            EtcdPhase.load(master.etcd(), initEnd, null));
                }
                double initSeconds = (done - init.startEpochMicros()) / 1e6;
                double cpuInit = master.cpuSeconds() - cpuBefore;
                EtcdPhase initEnd = etcdInit.end();
                long heapAfter = master.heapAfterGc();
                EtcdPhase etcdBarriers = EtcdPhase.begin(master.etcd());
                double cpuBarrierBefore = master.cpuSeconds();
                SimulatedRanks.Barriers barriers = ranks.barriers(ROUNDS, "scale-" + UUID.randomUUID(), initTimeout);
                double cpuBarriers = master.cpuSeconds() - cpuBarrierBefore;
                EtcdPhase barriersEnd = etcdBarriers.end();
                String outcome = "completed";
                for (int r = 0; r < ROUNDS; r++) {
                    if (barriers.released()[r] < size) {
                        outcome = "barrier " + (r + 1) + " of " + ROUNDS + " released " + barriers.released()[r]
                                + " of " + size + " ranks within " + initTimeout.toSeconds() + " s"
                                + failures(ranks.failures());
                        break;
                    }
                }
                long heapPerConnection = master.javaHeap() ? (heapAfter - heapBefore) / ((long) size * perRank) : 0;
                return new Cell(size, target.name(), generation.label(), initSeconds, barriers.seconds(), cpuInit,
                        cpuBarriers / ROUNDS, heapPerConnection, init.cpuSeconds() + barriers.cpuSeconds(),
                        ranks.processCount(), init.connectRetries(), overflows, outcome, gateways,
                        EtcdPhase.load(master.etcd(), initEnd, barriersEnd));
            }
        } catch (AssertionError | RuntimeException e) {
            return failed(size, target, "harness failure: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** etcd's CPU and counters at the start of a phase, and once {@link #end}ed, what the phase added. */
    private record EtcdPhase(@Nullable ScaleEtcd etcd, double cpuSeconds, ScaleEtcd.@Nullable Counters counters) {

        static EtcdPhase begin(@Nullable ScaleEtcd etcd) {
            return etcd == null ? new EtcdPhase(null, 0, null) : new EtcdPhase(etcd, etcd.cpuSeconds(), etcd.counters());
        }

        EtcdPhase end() {
            return etcd == null ? this : new EtcdPhase(etcd, etcd.cpuSeconds() - cpuSeconds,
                    etcd.counters().minus(counters));
        }

        static @Nullable EtcdLoad load(@Nullable ScaleEtcd etcd, EtcdPhase init, @Nullable EtcdPhase barriers) {
            if (etcd == null) {
                return null;
            }
            ScaleEtcd.Counters none = new ScaleEtcd.Counters(0, 0, 0, 0);
            return new EtcdLoad(etcd.members(), init.cpuSeconds(), barriers == null ? 0 : barriers.cpuSeconds(),
                    init.counters(), barriers == null ? none : barriers.counters());
        }
    }

    private static String failures(Map<String, String> failures) {
        if (failures.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("; ranks failed: ");
        failures.forEach((reason, where) -> text.append(reason).append(" (").append(where).append(") "));
        return text.toString().trim();
    }

    /**
     * Waits until every port accepts a connection (the masters import torch or start a JVM first).
     *
     * @throws IllegalStateException with the master's words when it failed before listening, or after the timeout
     */
    private static void awaitListening(ScaleTarget.Started master, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int port : master.ports()) {
            while (true) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    break;
                } catch (IOException e) {
                    String failed = master.failedBeforeListening(Duration.ofMillis(100));
                    if (failed != null) {
                        throw new IllegalStateException("the master failed before listening: " + failed);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no master listens on port " + port + " after " + timeout);
                    }
                }
            }
        }
    }

    private static Cell failed(int size, ScaleTarget target, String outcome) {
        return new Cell(size, target.name(), target.ranks().label(), Double.NaN, new double[0], 0, 0, 0, 0, 0, 0, 0,
                outcome, target.gatewaysFor(size), null);
    }

    private static void report(Report report, List<Cell> cells, Duration initTimeout) {
        Table table = new Table("Ranks", "Master", "Ranks' torch", "Init (s)", "Barrier p50 (ms)", "Barrier max (ms)",
                "Master CPU per rank, init (µs)", "Master CPU per rank, barrier (µs)", "Heap per connection",
                "Listen overflows", "Connect retries", "Simulators (processes, CPU s)", "Outcome");
        for (Cell c : cells.stream().filter(c -> c.gateways() == 0).toList()) {
            boolean ran = c.simulatorProcesses() > 0;
            table.row(String.format(Locale.ROOT, "%,d", c.ranks()), c.master(), c.generation(), init(c),
                    ms(c.barrierMedian()), ms(c.barrierMax()), cpuPerRankInit(c), cpuPerRankBarrier(c),
                    c.heapPerConnection() > 0 ? Report.bytes(c.heapPerConnection()) : "–",
                    ran ? c.listenOverflows() : "–", ran ? c.connectRetries() : "–", simulators(c), c.outcome());
        }
        report.section("Rendezvous at scale: one master", "Simulated ranks (`RankSimulator`: non-blocking "
                + "connections, each sending byte for byte what a PyTorch worker rank of its generation sends; "
                + "RankSimulatorBytesTest compares them with real clients) against each master in its own process, "
                + "a fresh master per row. **Init**: N ranks connect and register (`ADD init/ 1`; 1.13 ranks then "
                + "open their second, callback connection; 2.x ranks first send VALIDATE and PING), the master "
                + "constructed as `TCPStore(world_size=N+1, is_master=True)` waits for them; time from the first "
                + "rank's connect to the end of the master's wait, on the master's clock. **Barrier**: the "
                + "store-based barrier of PyTorch's libuv tutorial (ADD key 1, ADD key 0, the last arrival SETs "
                + "`key:last_worker`, every rank WAITs for it), " + ROUNDS + " in a row, each rank starting the "
                + "next as soon as it is released; time of a barrier from its first ADD to its last release. The "
                + "Java master serves 2.x ranks (the bytes of 2.6's and the newest's are the same) and 1.13 ranks. "
                + "The " + ScaleTarget.ANSWER_ONLY + " (`AnswerOnlyMaster`, not a TCPStore: one loop that answers "
                + "these requests and nothing else) shows what the simulator and the kernel's loopback reach on this "
                + "machine: the ceiling of every other row. "
                + "Master CPU: user + system time of the master process during init and per barrier, per rank. "
                + "Heap per connection: the Java master's heap after GC with the ranks connected, minus before, per "
                + "connection. Listen overflows: the host's `TcpExt ListenOverflows` during init (a full accept "
                + "queue drops the SYN; the client retries it after 1 s, 3 s, ...). A master that fails or does "
                + "not finish within " + initTimeout.toSeconds() + " s is a result; its row says how.\n\n"
                + "The system's limits in this run: " + limits() + ". The first " + RankSimulator.LOOPBACK_RANKS
                + " ranks of one master connect from 127.0.0.1 (the kernel shares its ports among destinations), "
                + "ranks beyond them, and every rank of gateways, from 127.1.x.y, " + RankSimulator.RANKS_PER_ADDRESS
                + " per address (see the notes on why not all spread; a rank closes with a reset, so no TIME_WAIT "
                + "holds its port for the next row); simulators hold at most " + SimulatedRanks.FILES_PER_PROCESS
                + " connections per process (more processes beyond that); a master holds its ranks' connections "
                + "in one process, so one master serves at most " + LARGEST + " single-connection ranks and half "
                + "as many 1.13 ranks. With `--netns` the harness runs in a network namespace of its own (`unshare "
                + "--net`, loopback up), where it raises `somaxconn` and `tcp_max_syn_backlog` to "
                + NetworkNamespace.LISTEN_QUEUE + ".", table);
        targets(report, cells);
        List<Cell> gateways = cells.stream().filter(c -> c.gateways() > 0).toList();
        if (!gateways.isEmpty()) {
            gatewayReport(report, gateways, initTimeout);
        }
    }

    private static void gatewayReport(Report report, List<Cell> cells, Duration initTimeout) {
        Table table = new Table("Ranks", "Target", "Gateways", "Init (s)", "Barrier p50 (ms)", "Barrier max (ms)",
                "Gateways' CPU per rank, init (µs)", "Gateways' CPU per rank, barrier (µs)", "etcd CPU, init (s)",
                "etcd CPU per barrier (s)", "etcd commits, init", "etcd commits per barrier",
                "ADDs per etcd commit, barrier", "Listen overflows", "Connect retries",
                "Simulators (processes, CPU s)", "Outcome");
        for (Cell c : cells) {
            boolean ran = c.simulatorProcesses() > 0;
            EtcdLoad etcd = c.etcd();
            long barrierCommits = etcd == null ? 0 : etcd.barriers().proposals();
            table.row(String.format(Locale.ROOT, "%,d", c.ranks()), c.master(), c.gateways(), init(c),
                    ms(c.barrierMedian()), ms(c.barrierMax()), cpuPerRankInit(c), cpuPerRankBarrier(c),
                    etcd == null ? "–" : String.format(Locale.ROOT, "%.1f", etcd.cpuInitSeconds()),
                    etcd == null || !c.completed() ? "–"
                            : String.format(Locale.ROOT, "%.2f", etcd.cpuBarrierSeconds() / ROUNDS),
                    etcd == null ? "–" : String.format(Locale.ROOT, "%,d", etcd.init().proposals()),
                    etcd == null || !c.completed() ? "–" : String.format(Locale.ROOT, "%,d", barrierCommits / ROUNDS),
                    etcd == null || !c.completed() || barrierCommits <= 0 ? "–"
                            : String.format(Locale.ROOT, "%.0f", 2.0 * c.ranks() * ROUNDS / barrierCommits),
                    ran ? c.listenOverflows() : "–", ran ? c.connectRetries() : "–", simulators(c), c.outcome());
        }
        report.section("Rendezvous at scale: gateways on etcd", "The same simulated 2.x ranks, init and barriers as "
                + "above, through TCPStore gateways (`TcpStoreServer` with `EtcdServerStore`, each in its own JVM, "
                + "all on one etcd prefix), at most " + ScaleTarget.RANKS_PER_GATEWAY + " ranks per gateway: one "
                + "simulator process per gateway, every rank of a process connected to its gateway. The first "
                + "gateway is the job's master: constructed as `TCPStore(world_size=N+1, is_master=True)` with its "
                + "keys in etcd, it registers itself and waits until the `init/` count in etcd, to which every "
                + "gateway's ranks add, reaches N+1; init is timed to the end of that wait, on its clock. A fresh "
                + "etcd per row (its data in a temp dir on this machine's disk): one member, or a cluster of "
                + ETCD_CLUSTER_MEMBERS + " on loopback. Gateways' CPU: user + system time of all gateway processes, "
                + "per rank. etcd CPU: its members' user + system time. etcd commits: raft proposals committed "
                + "(`etcd_server_proposals_committed_total`: each write or write transaction is one), during init "
                + "and per barrier; ADDs per etcd commit: the ranks' 2 ADDs per barrier over the commits, which shows "
                + "how many ADDs of one counter the gateways batch into one transaction. A row that fails or does "
                + "not finish init, or the " + ROUNDS + " barriers, within " + initTimeout.toSeconds() + " s per "
                + "gateway is a result; its row says how.", table);
        Cell target = cells.stream().filter(c -> c.master().equals(ScaleTarget.GATEWAYS_ONE_ETCD)
                && c.ranks() == GATEWAY_TARGET_RANKS).findFirst().orElse(null);
        if (target != null) {
            boolean init = target.completed() && target.initSeconds() <= GATEWAY_INIT_TARGET_SECONDS;
            boolean barrier = target.completed() && target.barrierMedian() <= GATEWAY_BARRIER_TARGET_SECONDS;
            String initVerdict = (init ? "met" : "**missed**") + " (" + (target.completed()
                    ? String.format(Locale.ROOT, "%.2f s", target.initSeconds()) : target.outcome()) + ")";
            String barrierVerdict = (barrier ? "met" : "**missed**") + " (" + ms(target.barrierMedian()) + " ms)";
            report.target("Gateways: 96K ranks (" + target.gateways() + " gateways, one etcd) registered within "
                    + (int) GATEWAY_INIT_TARGET_SECONDS + " s: " + initVerdict);
            report.target("Gateways: a 96K-rank barrier within " + (int) GATEWAY_BARRIER_TARGET_SECONDS + " s: "
                    + barrierVerdict);
            report.noteMiss(initVerdict, "scale: 96K-rank init through gateways " + initVerdict);
            report.noteMiss(barrierVerdict, "scale: 96K-rank barrier through gateways " + barrierVerdict);
        }
    }

    /** @return the kernel and process limits a rendezvous meets, as this run saw them */
    static String limits() {
        return "open files per process " + read("/proc/self/limits", "Max open files") + ", `net.core.somaxconn` "
                + read("/proc/sys/net/core/somaxconn", null) + ", `net.ipv4.tcp_max_syn_backlog` "
                + read("/proc/sys/net/ipv4/tcp_max_syn_backlog", null) + ", ephemeral ports "
                + read("/proc/sys/net/ipv4/ip_local_port_range", null).replaceAll("\\s+", "-") + " per source address"
                + (NetworkNamespace.inside() ? ", in a network namespace of the harness's own (`--netns`)" : "");
    }

    private static String read(String file, @Nullable String line) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            if (line == null) {
                return lines.get(0).trim();
            }
            for (String l : lines) {
                if (l.startsWith(line)) {
                    String[] words = l.substring(line.length()).trim().split("\\s+");
                    return words[0] + " (soft), " + words[1] + " (hard)";
                }
            }
            return "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void targets(Report report, List<Cell> cells) {
        Cell java = cells.stream().filter(c -> c.master().equals("Java master") && c.ranks() == TARGET_RANKS
                && !c.generation().equals("1.13")).findFirst().orElse(null);
        if (java != null) {
            boolean init = java.completed() && java.initSeconds() <= INIT_TARGET_SECONDS;
            boolean barrier = java.completed() && java.barrierMedian() <= BARRIER_TARGET_SECONDS;
            String initVerdict = (init ? "met" : "**missed**") + " (" + (java.completed()
                    ? String.format(Locale.ROOT, "%.2f s", java.initSeconds()) : java.outcome()) + ")";
            String barrierVerdict = (barrier ? "met" : "**missed**") + " (" + ms(java.barrierMedian()) + " ms)";
            report.target("One Java master: 16K-rank init within " + INIT_TARGET_SECONDS + " s: " + initVerdict);
            report.target("One Java master: 16K-rank barrier within " + (int) (BARRIER_TARGET_SECONDS * 1000)
                    + " ms: " + barrierVerdict);
            report.noteMiss(initVerdict, "scale: 16K-rank init on the Java master " + initVerdict);
            report.noteMiss(barrierVerdict, "scale: 16K-rank barrier on the Java master " + barrierVerdict);
        }
        List<String> slower = new ArrayList<>();
        for (Cell torch : cells) {
            if (torch.master().equals("Java master") || torch.master().equals(ScaleTarget.ANSWER_ONLY)
                    || torch.gateways() > 0 || !torch.completed()) {
                continue;
            }
            String javaRanks = torch.generation().equals("1.13") ? "1.13" : "newest";
            cells.stream().filter(c -> c.master().equals("Java master") && c.ranks() == torch.ranks()
                    && c.generation().equals(javaRanks)).findFirst().ifPresent(j -> {
                        if (!j.completed() || j.initSeconds() > torch.initSeconds()
                                || j.barrierMedian() > torch.barrierMedian()) {
                            slower.add(torch.ranks() + " ranks against the " + torch.master());
                        }
                    });
        }
        String verdict = slower.isEmpty() ? "met" : "**missed**";
        report.target("The Java master faster than every PyTorch master at every size that master completes (init "
                + "and barrier p50): " + verdict + (slower.isEmpty() ? "" : " (" + String.join(", ", slower) + ")"));
        for (String s : slower) {
            report.noteMiss(verdict, "scale: the Java master not faster at " + s);
        }
    }

    /** The cells both tables show alike: init time, the master's (or gateways') CPU per rank, the simulators. */
    private static String init(Cell c) {
        return Double.isNaN(c.initSeconds()) ? "–" : String.format(Locale.ROOT, "%.2f", c.initSeconds());
    }

    private static String cpuPerRankInit(Cell c) {
        return c.simulatorProcesses() > 0
                ? String.format(Locale.ROOT, "%.1f", c.masterCpuInitSeconds() * 1e6 / c.ranks()) : "–";
    }

    private static String cpuPerRankBarrier(Cell c) {
        return c.completed() ? String.format(Locale.ROOT, "%.1f", c.masterCpuBarrierSeconds() * 1e6 / c.ranks())
                : "–";
    }

    private static String simulators(Cell c) {
        return c.simulatorProcesses() > 0
                ? c.simulatorProcesses() + ", " + String.format(Locale.ROOT, "%.1f", c.simulatorCpuSeconds()) : "–";
    }

    private static String ms(double seconds) {
        return Double.isNaN(seconds) ? "–" : String.format(Locale.ROOT, "%.1f", seconds * 1000);
    }
}
