package dev.kvstore.benchmarks;

import dev.kvstore.testing.EtcdCluster;
import dev.kvstore.testing.EtcdServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The etcd that a gateway target's gateways share: one member, or a cluster of three, each in a temp dir on loopback
 * (test-support's {@link EtcdServer} and {@link EtcdCluster}, as {@link GatewaySuite} starts it). It reports the CPU
 * time of its members and, from a member's {@code /metrics}, how many writes etcd committed.
 */
final class ScaleEtcd implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<EtcdServer> members;
    private final AutoCloseable owner;

    /**
     * What etcd counted so far: raft proposals committed (every write, one per transaction), transactions, puts and
     * ranges (reads, a transaction's included) applied by the member asked.
     */
    record Counters(long proposals, long txns, long puts, long ranges) {

        Counters minus(Counters before) {
            return new Counters(proposals - before.proposals, txns - before.txns, puts - before.puts,
                    ranges - before.ranges);
        }
    }

    private ScaleEtcd(List<EtcdServer> members, AutoCloseable owner) {
        this.members = members;
        this.owner = owner;
    }

    /** Starts one member ({@code size} 1) or a cluster of {@code size}, and waits until it is healthy. */
    static ScaleEtcd start(int size) {
        if (size == 1) {
            EtcdServer single = EtcdServer.start();
            return new ScaleEtcd(List.of(single), single);
        }
        EtcdCluster cluster = EtcdCluster.start(size);
        return new ScaleEtcd(cluster.members(), cluster);
    }

    /** @return how many members it has */
    int members() {
        return members.size();
    }

    /** @return the client endpoints, comma-separated */
    String endpoints() {
        return String.join(",", members.stream().map(EtcdServer::endpoint).toList());
    }

    /** @return the members' CPU time (user + system) so far, seconds */
    double cpuSeconds() {
        double total = 0;
        for (EtcdServer member : members) {
            total += ProcessCpu.seconds(member.pid());
        }
        return total;
    }

    /** @return the first member's counters (each member applies every committed write) */
    Counters counters() {
        String metrics = metrics(members.get(0));
        return new Counters(counter(metrics, "etcd_server_proposals_committed_total"),
                counter(metrics, "etcd_mvcc_txn_total"), counter(metrics, "etcd_mvcc_put_total"),
                counter(metrics, "etcd_mvcc_range_total"));
    }

    private static String metrics(EtcdServer member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.member().clientUrl() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read etcd's /metrics at " + member.endpoint() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading etcd's /metrics", e);
        }
    }

    /** @return a counter's value (a metric without labels), -1 if the member does not report it */
    static long counter(String metrics, String name) {
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop etcd: " + e, e);
        }
    }
}
