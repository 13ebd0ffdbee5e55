package dev.kvstore.benchmarks;

import dev.kvstore.etcd.EtcdKVStore;
import dev.kvstore.tcp.gateway.EtcdServerStore;
import dev.kvstore.tcp.server.TcpStoreServer;
import dev.kvstore.testing.EtcdServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * TCPStore gateways on etcd beside the in-memory Java master, with the same Java (LEGACY) clients: set/get/add
 * throughput at 1, 16 and 256 connections and barrier times at 8, 64 and 512 ranks, through one gateway and through
 * two (connections and ranks round-robin over them). One local single-member etcd; servers and load share this JVM.
 */
final class GatewaySuite implements Suite {

    private static final int[] CONNECTIONS = {1, 16, 256};
    private static final int[] WORLDS = {8, 64, 512};
    private static final String[] OPS = {"set", "get", "add"};
    /** The target: a 512-rank barrier through gateways within this many times the in-memory master's. */
    private static final double BARRIER_TARGET = 3.0;

    @Override
    public String name() {
        return "gateway";
    }

    private record Setup(String name, int[] ports) {
    }

    @Override
    public void run(BenchmarkRun run) throws Exception {
        double seconds = run.quick() ? 0.5 : 2.0;
        int runs = run.quick() ? 1 : 3;
        int rounds = run.quick() ? 2 : 5;
        String prefix = "gateway-benchmark/" + UUID.randomUUID() + "/";
        try (EtcdServer etcd = EtcdServer.start();
                TcpStoreServer memory = TcpStoreServer.builder().port(0).build().start();
                TcpStoreServer first = gateway(etcd, prefix);
                TcpStoreServer second = gateway(etcd, prefix)) {
            List<Setup> setups = List.of(new Setup("in-memory master", new int[] {memory.port()}),
                    new Setup("1 gateway", new int[] {first.port()}),
                    new Setup("2 gateways", new int[] {first.port(), second.port()}));
            Table throughput = new Table("Op", "Connections", "In-memory master (ops/s)", "1 gateway (ops/s)",
                    "2 gateways (ops/s)", "1 gateway / in-memory", "2 gateways / in-memory");
            for (String op : OPS) {
                for (int conns : CONNECTIONS) {
                    BenchmarkRun.progress("gateway: " + op + " x" + conns);
                    double[] rate = new double[setups.size()];
                    for (int r = 0; r < runs; r++) {
                        for (int s = 0; s < setups.size(); s++) {
                            rate[s] += JavaTcpLoad.throughput(setups.get(s).ports(), op, conns, seconds / 2, seconds)
                                    .opsPerSecond() / runs;
                        }
                    }
                    throughput.row(op, conns, Report.ops(rate[0]), Report.ops(rate[1]), Report.ops(rate[2]),
                            Report.fmt2(rate[1] / rate[0]), Report.fmt2(rate[2] / rate[0]));
                }
            }
            Table barriers = new Table("Ranks", "In-memory master (s)", "1 gateway (s)", "2 gateways (s)",
                    "1 gateway / in-memory", "2 gateways / in-memory");
            double worst512 = 0;
            for (int world : WORLDS) {
                BenchmarkRun.progress("gateway: barrier of " + world + " ranks");
                double[] median = new double[setups.size()];
                for (int s = 0; s < setups.size(); s++) {
                    String tag = "b" + world + "-" + s + "-" + UUID.randomUUID();
                    JavaTcpLoad.barrier(setups.get(s).ports(), world, 1, tag + "-warm");
                    median[s] = Stats.median(JavaTcpLoad.barrier(setups.get(s).ports(), world, rounds, tag));
                }
                if (world == 512) {
                    worst512 = Math.max(median[1], median[2]) / median[0];
                }
                barriers.row(world, String.format("%.3f", median[0]), String.format("%.3f", median[1]),
                        String.format("%.3f", median[2]), Report.fmt2(median[1] / median[0]),
                        Report.fmt2(median[2] / median[0]));
            }
            Report report = run.report();
            report.section("TCPStore gateways on etcd: throughput", "The in-memory Java master beside one and two "
                    + "gateways (`EtcdServerStore`) on one local single-member etcd (its data on this machine's "
                    + "disk), " + runs + " run(s) of " + seconds + " s per cell after " + (seconds / 2)
                    + " s of warm-up; Java (LEGACY) clients as in the server suite, connections round-robin over the "
                    + "gateways; masters, gateways, etcd and load on the same machine.", throughput);
            report.section("TCPStore gateways on etcd: barrier completion time", "Median of " + rounds
                    + " barrier rounds (ADD, the last rank SETs the done key, every rank WAITs for it) after one "
                    + "warm-up round, ranks round-robin over the gateways.", barriers);
            String verdict = worst512 <= BARRIER_TARGET ? "met" : "missed";
            report.target("512-rank barrier through gateways within " + BARRIER_TARGET + "× the in-memory "
                    + "master's time: " + verdict + " (" + Report.fmt2(worst512) + "×)");
            if (worst512 > BARRIER_TARGET) {
                report.noteMiss(verdict, "gateway barrier, 512 ranks: " + Report.fmt2(worst512)
                        + "× the in-memory master's time");
            }
        }
    }

    private static TcpStoreServer gateway(EtcdServer etcd, String prefix) {
        return TcpStoreServer.builder().port(0).store(etcdStore(List.of(etcd.endpoint()), prefix)).build().start();
    }

    /**
     * @return the storage of a benchmark gateway: the keys under {@code prefix} in the etcd at {@code endpoints}
     *     (the scale suite's gateway processes, {@link ServerMain}, use it too)
     */
    static EtcdServerStore etcdStore(List<String> endpoints, String prefix) {
        return EtcdServerStore.of(EtcdKVStore.builder().endpoints(endpoints)
                .connectTimeout(Duration.ofSeconds(30)).requestTimeout(Duration.ofSeconds(30)), prefix);
    }
}
