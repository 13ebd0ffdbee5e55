package dev.kvstore.benchmarks;

import dev.kvstore.testing.PythonRuntime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/** What every suite of one run shares: the options, the CPU layout, the report and the TCPStore masters. */
final class BenchmarkRun {

    /** The bound of one load process. */
    static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);
    /** Connections per load of the throughput tables. */
    static final int[] CONNECTIONS = {1, 16, 256};
    /** The operations of the throughput and latency tables. */
    static final String[] OPS = {"set", "get", "add"};

    private final BenchmarkOptions options;
    private final CpuLayout layout;
    private final Report report;
    private @Nullable TcpStoreMasters masters;
    private @Nullable TorchMasterRates torchMasterRates;

    BenchmarkRun(BenchmarkOptions options, CpuLayout layout, Report report) {
        this.options = options;
        this.layout = layout;
        this.report = report;
    }

    /** A throughput run's result: the rate, and the TCP segments the host sent per operation meanwhile. */
    record Rate(double opsPerSecond, double segmentsPerOp) {
    }

    /**
     * The server suite's throughput of Java and Python 1.13 clients on PyTorch 1.13's master,
     * {@code [op][connections]}, which the client suite reports instead of measuring it again.
     */
    record TorchMasterRates(double[][] javaClients, double[][] pythonClients) {
    }

    BenchmarkOptions options() {
        return options;
    }

    boolean quick() {
        return options.quick();
    }

    CpuLayout layout() {
        return layout;
    }

    Report report() {
        return report;
    }

    /** @return the TCPStore masters, while the suites that need them run */
    TcpStoreMasters masters() {
        if (masters == null) {
            throw new IllegalStateException("the TCPStore masters run only for suites that say they need them");
        }
        return masters;
    }

    void masters(@Nullable TcpStoreMasters masters) {
        this.masters = masters;
    }

    /** @return the server suite's rates on PyTorch 1.13's master, or null when it did not measure both clients */
    @Nullable TorchMasterRates torchMasterRates() {
        return torchMasterRates;
    }

    void torchMasterRates(TorchMasterRates rates) {
        this.torchMasterRates = rates;
    }

    /** @return seconds of one of the interleaved throughput runs */
    double runSeconds() {
        return options.seconds() / 3;
    }

    Rate javaThroughput(Peers.Master master, String op, int conns) {
        Json result = Peers.javaLoad(layout, LOAD_TIMEOUT, "throughput", master.port(), op, conns, options.warmup(),
                runSeconds());
        return new Rate(result.number("ops_per_s"), result.number("segments") / result.number("ops"));
    }

    Rate pythonThroughput(PythonRuntime python, Peers.Master master, String op, int conns) {
        Json result = Peers.pythonLoad(layout, python, LOAD_TIMEOUT, "throughput", "127.0.0.1", master.port(), op,
                conns, options.warmup(), runSeconds());
        return new Rate(result.number("ops") / result.number("seconds"),
                result.number("segments") / result.number("ops"));
    }

    static void progress(String message) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + message);
    }
}
