package dev.kvstore.benchmarks;

import static dev.kvstore.benchmarks.Report.bytes;
import static dev.kvstore.benchmarks.Report.mib;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.testing.PythonRuntime;
import java.util.ArrayList;
import java.util.List;

/** Memory of a fresh Java master and a fresh PyTorch 1.13 master holding many idle connections. */
final class MemorySuite implements Suite {

    private static final int IDLE_CONNECTIONS = 2048;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void run(BenchmarkRun run) throws Exception {
        Table table = new Table("Server", "Connections held", "Heap after GC, baseline → loaded",
                "Heap per connection", "RSS baseline → loaded", "RSS per connection");
        boolean held = true;
        for (boolean javaServer : new boolean[] {true, false}) {
            BenchmarkRun.progress("memory: " + IDLE_CONNECTIONS + " idle connections on the "
                    + (javaServer ? "Java" : "PyTorch") + " server");
            CpuLayout shared = CpuLayout.shared(); // idle connections: where processes run does not matter
            try (Peers.Master master = javaServer ? new Peers.JavaMaster(shared)
                    : new Peers.TorchMaster(shared, PythonRuntime.TORCH_1_13)) {
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
        run.report().section("Memory: " + IDLE_CONNECTIONS + " idle connections",
                "A fresh master of each kind; " + IDLE_CONNECTIONS + " Java LEGACY connections each make one request "
                + "(GETNUMKEYS) and stay open. Java heap: used heap after `System.gc()` in the server JVM (minimum "
                + "of four readings), loaded minus baseline, per connection. RSS from /proc/PID/status for both.",
                table);
        run.report().target("Java server holds " + IDLE_CONNECTIONS + " connections: " + (held ? "met" : "**missed**"));
    }
}
