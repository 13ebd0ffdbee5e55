package dev.kvstore.benchmarks;

import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * The same load as {@code bench_tcp_load.py}, from Java {@link TcpStoreClient} connections (one thread each), with
 * the protocol generation the torch 1.13 master speaks ({@link TcpProtocol#LEGACY}).
 */
final class JavaTcpLoad {

    private static final Duration TIMEOUT = Duration.ofSeconds(300);
    private static final byte[] VALUE = "v".repeat(16).getBytes(StandardCharsets.UTF_8);

    private JavaTcpLoad() {
    }

    static TcpStoreClient connect(int port) {
        return TcpStoreClient.connect("127.0.0.1", port, TcpProtocol.LEGACY, TIMEOUT);
    }

    static Runnable operation(TcpStoreClient client, String op, int index) {
        switch (op) {
            case "set" -> {
                String[] keys = new String[64];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = "s" + index + "_" + i;
                }
                int[] next = {0};
                return () -> {
                    next[0] = (next[0] + 1) & 63;
                    client.set(keys[next[0]], VALUE);
                    if (next[0] == 0) {
                        client.numKeys(); // bounds the unacknowledged SETs in flight to 64 per connection
                    }
                };
            }
            case "get" -> {
                String key = "g" + index;
                client.set(key, VALUE);
                return () -> client.get(key);
            }
            case "add" -> {
                return () -> client.add("ctr", 1);
            }
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
    }

    /**
     * @return operations per second over all connections, and the TCP segments the host sent meanwhile; every
     *     connection ends with a round trip
     */
    static ThroughputRun.Result throughput(int port, String op, int conns, double warmupSeconds, double seconds)
            throws Exception {
        return throughput(new int[] {port}, op, conns, warmupSeconds, seconds);
    }

    /** The same with the connections spread over masters that serve one job (gateways): connection i on port i % n. */
    static ThroughputRun.Result throughput(int[] ports, String op, int conns, double warmupSeconds, double seconds)
            throws Exception {
        List<TcpStoreClient> clients = new ArrayList<>();
        try {
            List<ThroughputRun.Worker> workers = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                TcpStoreClient client = connect(ports[i % ports.length]);
                clients.add(client);
                Runnable run = operation(client, op, i);
                workers.add(new ThroughputRun.Worker() {
                    @Override
                    public void operate() {
                        run.run();
                    }

                    @Override
                    public void settle() {
                        client.numKeys(); // everything sent before has been processed
                    }
                });
            }
            return ThroughputRun.run(workers, warmupSeconds, seconds, 16, TcpCounters::sent);
        } finally {
            clients.forEach(TcpStoreClient::close);
        }
    }

    /** Sequential latency of one connection. */
    static Stats latency(int port, String op, int n, double warmupSeconds) {
        try (TcpStoreClient client = connect(port)) {
            return Stats.warmedUpTime(n, Math.max(100, n / 10), warmupSeconds, operation(client, op, 0),
                    client::numKeys);
        }
    }

    /**
     * Barrier rounds: every rank (one connection, one thread) ADDs to the round's counter; the rank that completes it
     * SETs the round's done key; every rank WAITs for that key.
     *
     * @return seconds per round, from the first rank starting to the last rank released
     */
    static double[] barrier(int port, int world, int rounds, String prefix) throws Exception {
        return barrier(new int[] {port}, world, rounds, prefix);
    }

    /** The same with the ranks spread over masters that serve one job (gateways): rank i on port i % n. */
    static double[] barrier(int[] ports, int world, int rounds, String prefix) throws Exception {
        List<TcpStoreClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < world; i++) {
                clients.add(connect(ports[i % ports.length]));
            }
            CyclicBarrier gate = new CyclicBarrier(world + 1);
            long[][] starts = new long[rounds][world];
            long[][] ends = new long[rounds][world];
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < world; i++) {
                int rank = i;
                Thread thread = new Thread(null, () -> {
                    TcpStoreClient client = clients.get(rank);
                    try {
                        for (int r = 0; r < rounds; r++) {
                            String key = prefix + "/b" + r;
                            gate.await();
                            starts[r][rank] = System.nanoTime();
                            if (client.add(key, 1) == world) {
                                client.set(key + "/done", new byte[] {'1'});
                            }
                            client.wait(List.of(key + "/done"));
                            ends[r][rank] = System.nanoTime();
                            gate.await();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "rank-" + i, 256 * 1024);
                threads.add(thread);
                thread.start();
            }
            for (int r = 0; r < rounds; r++) {
                gate.await();
                gate.await();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            double[] seconds = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long first = Long.MAX_VALUE;
                long last = Long.MIN_VALUE;
                for (int i = 0; i < world; i++) {
                    first = Math.min(first, starts[r][i]);
                    last = Math.max(last, ends[r][i]);
                }
                seconds[r] = (last - first) / 1e9;
            }
            return seconds;
        } finally {
            clients.forEach(TcpStoreClient::close);
        }
    }
}
