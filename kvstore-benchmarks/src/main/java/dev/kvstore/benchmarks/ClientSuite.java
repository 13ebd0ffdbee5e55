package dev.kvstore.benchmarks;

import static dev.kvstore.benchmarks.BenchmarkRun.CONNECTIONS;
import static dev.kvstore.benchmarks.BenchmarkRun.LOAD_TIMEOUT;
import static dev.kvstore.benchmarks.BenchmarkRun.OPS;
import static dev.kvstore.benchmarks.Report.fmt1;
import static dev.kvstore.benchmarks.Report.fmt2;
import static dev.kvstore.benchmarks.Report.ops;

import dev.kvstore.testing.PythonRuntime;

/** TCPStore client: the Java client vs torch's Python client, on the same PyTorch 1.13 master. */
final class ClientSuite implements Suite {

    @Override
    public String name() {
        return "client";
    }

    @Override
    public boolean needsTcpStoreMasters() {
        return true;
    }

    @Override
    public void run(BenchmarkRun run) {
        CpuLayout layout = run.layout();
        Peers.TorchMaster torch = run.masters().torch();
        int n = run.quick() ? 1000 : 5000;
        Table latency = new Table("Op", "Java client p50 (µs)", "Java p99 (µs)", "Python client p50 (µs)",
                "Python p99 (µs)", "Java/Python p50");
        for (String op : OPS) {
            BenchmarkRun.progress("client latency: " + op);
            Json java = Peers.javaLoad(layout, LOAD_TIMEOUT, "latency", torch.port(), op, n, run.options().warmup());
            Json python = Peers.pythonLoad(layout, PythonRuntime.TORCH_1_13, LOAD_TIMEOUT, "latency", "127.0.0.1",
                    torch.port(), op, n);
            latency.row(op, fmt1(java.number("p50_us")), fmt1(java.number("p99_us")), fmt1(python.number("p50_us")),
                    fmt1(python.number("p99_us")), fmt2(java.number("p50_us") / python.number("p50_us")));
        }
        Table throughput = new Table("Op", "Connections", "Java client (ops/s)", "Python client (ops/s)",
                "Java/Python");
        BenchmarkRun.TorchMasterRates measured = run.torchMasterRates();
        for (int o = 0; o < OPS.length; o++) {
            for (int c = 0; c < CONNECTIONS.length; c++) {
                double java;
                double python;
                if (measured != null) {
                    java = measured.javaClients()[o][c];
                    python = measured.pythonClients()[o][c];
                } else {
                    BenchmarkRun.progress("client throughput: " + OPS[o] + " x" + CONNECTIONS[c]);
                    java = run.javaThroughput(torch, OPS[o], CONNECTIONS[c]).opsPerSecond();
                    python = run.pythonThroughput(PythonRuntime.TORCH_1_13, torch, OPS[o], CONNECTIONS[c])
                            .opsPerSecond();
                }
                throughput.row(OPS[o], CONNECTIONS[c], ops(java), ops(python), fmt2(java / python));
            }
        }
        run.report().section(
                "TCPStore client: Java `TcpStoreClient` vs torch's Python `TCPStore` (same PyTorch 1.13 master)",
                "Sequential latency of one connection over " + n + " operations (after warm-up; `set` has no reply "
                + "in the protocol, so its latency is the time to send). Java/Python below 1 means the Java client "
                + "is faster.", latency);
        run.report().section(null, "Throughput with concurrent connections against the PyTorch master (the "
                + "PyTorch-server column of the server table). Java/Python above 1 means the Java client is faster.",
                throughput);
    }
}
