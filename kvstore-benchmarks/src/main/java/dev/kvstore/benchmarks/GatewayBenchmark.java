package dev.kvstore.benchmarks;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.server.ServerStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.EtcdServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The TCPStore gateway suite: the in-memory Java master beside one and two gateways on one local etcd, with the same
 * Java (LEGACY) clients: set/get/add throughput at 1, 16 and 256 connections and barrier times at 8, 64 and 512
 * ranks (spread round-robin over the gateways). Servers and load share this JVM. Prints Markdown tables.
 *
 * <pre>
 * java -cp kvstore-benchmarks/target/kvstore-benchmarks.jar dev.kvstore.benchmarks.GatewayBenchmark [--quick]
 * </pre>
 */
public final class GatewayBenchmark {

    private static final int[] CONNECTIONS = {1, 16, 256};
    private static final int[] WORLDS = {8, 64, 512};
    private static final String[] OPS = {"set", "get", "add"};

    private GatewayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        double seconds = quick ? 0.5 : 2.0;
        int runs = quick ? 1 : 3;
        int rounds = quick ? 2 : 5;
        long started = System.nanoTime();
        try (EtcdServer etcd = EtcdServer.start();
                TcpStoreServer memory = TcpStoreServer.builder().port(0).build().start()) {
            String prefix = "gateway-benchmark/" + UUID.randomUUID() + "/";
            try (TcpStoreServer first = gateway(etcd, prefix); TcpStoreServer second = gateway(etcd, prefix)) {
                List<Setup> setups = List.of(new Setup("in-memory master", new int[] {memory.port()}),
                        new Setup("1 gateway", new int[] {first.port()}),
                        new Setup("2 gateways", new int[] {first.port(), second.port()}));
                System.out.println("| Op | Connections | " + header(setups, "ops/s") + " |");
                System.out.println("|---|---|" + "---|".repeat(setups.size() + 2));
                for (String op : OPS) {
                    for (int conns : CONNECTIONS) {
                        double[] opsPerSecond = new double[setups.size()];
                        for (int run = 0; run < runs; run++) {
                            for (int s = 0; s < setups.size(); s++) {
                                opsPerSecond[s] += JavaTcpLoad.throughput(setups.get(s).ports(), op, conns, seconds / 2,
                                        seconds).opsPerSecond() / runs;
                            }
                        }
                        System.out.println("| " + op + " | " + conns + " | " + cells(opsPerSecond, "%,.0f") + " |");
                    }
                }
                System.out.println();
                System.out.println("| Ranks | " + header(setups, "median s") + " |");
                System.out.println("|---|" + "---|".repeat(setups.size() + 2));
                for (int world : WORLDS) {
                    double[] median = new double[setups.size()];
                    for (int s = 0; s < setups.size(); s++) {
                        String tag = "b" + world + "-" + s + "-" + UUID.randomUUID();
                        JavaTcpLoad.barrier(setups.get(s).ports(), world, 1, tag + "-warm");
                        median[s] = Stats.median(JavaTcpLoad.barrier(setups.get(s).ports(), world, rounds, tag));
                    }
                    System.out.println("| " + world + " | " + cells(median, "%.3f") + " |");
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nTook %.0f s.%n", (System.nanoTime() - started) / 1e9);
    }

    private record Setup(String name, int[] ports) {
    }

    private static TcpStoreServer gateway(EtcdServer etcd, String prefix) {
        return TcpStoreServer.builder().port(0)
                .store(ServerStore.etcd(EtcdKVStore.builder().endpoints(etcd.endpoint()), prefix)).build().start();
    }

    /** Columns: each setup, then each gateway setup relative to the in-memory master. */
    private static String header(List<Setup> setups, String unit) {
        List<String> columns = new ArrayList<>();
        setups.forEach(setup -> columns.add(setup.name() + " (" + unit + ")"));
        for (Setup setup : setups.subList(1, setups.size())) {
            columns.add(setup.name() + " / in-memory");
        }
        return String.join(" | ", columns);
    }

    private static String cells(double[] values, String format) {
        List<String> cells = new ArrayList<>();
        for (double value : values) {
            cells.add(String.format(Locale.ROOT, format, value));
        }
        for (int i = 1; i < values.length; i++) {
            cells.add(String.format(Locale.ROOT, "%.2f", values[i] / values[0]));
        }
        return String.join(" | ", cells);
    }
}
