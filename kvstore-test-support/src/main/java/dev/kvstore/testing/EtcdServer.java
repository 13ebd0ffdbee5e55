package dev.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd server process ({@code /usr/bin/etcd}, Debian's etcd 3.4, or {@code $KVSTORE_ETCD_BINARY}) for tests:
 * loopback client and peer ports, a temporary data directory, output in {@code etcd.log} beside it. It can be
 * stopped and started again on the same data directory and ports; {@link #close()} stops it and deletes its
 * directory.
 *
 * <p>{@link #start()} gives a single-member cluster. A multi-member cluster is a set of servers created with
 * {@link #create(Member, List, String, List)} that share the member list: {@link #launch()} each (they need a quorum
 * before any is healthy), then {@link #awaitHealthy(Duration)} each.
 */
public final class EtcdServer implements AutoCloseable {

    /** The etcd binary: {@code $KVSTORE_ETCD_BINARY}, or Debian's {@code /usr/bin/etcd}. */
    public static final String BINARY = System.getenv().getOrDefault("KVSTORE_ETCD_BINARY", "/usr/bin/etcd");
    /** How long {@link #start()} waits for the server to report healthy. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** Quick elections for a test server on loopback. */
    public static final List<String> FAST_ELECTIONS = List.of("--heartbeat-interval=50", "--election-timeout=500");

    private static final Logger log = LoggerFactory.getLogger(EtcdServer.class);

    /**
     * One member of a cluster: its name and loopback ports.
     */
    public record Member(String name, int clientPort, int peerPort) {

        /** A member on two free loopback ports. */
        public static Member onFreePorts(String name) {
            int client = FreePorts.pick();
            int peer = FreePorts.pick();
            while (peer == client) {
                peer = FreePorts.pick();
            }
            return new Member(name, client, peer);
        }

        /** @return the plain-HTTP client URL; {@link EtcdServer#endpoint()} has the server's real scheme */
        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        /** @return the plain-HTTP URL the other members reach this one at */
        public String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    /**
     * TLS on the client port: the server's certificate and key, the CA it trusts for client certificates, and
     * whether it requires them (mutual TLS). The health check then uses a plain-HTTP metrics port.
     */
    public record Tls(Path caCertificate, Path serverCertificate, Path serverKey, boolean clientCertAuth) {
    }

    private final Member member;
    private final @Nullable Tls tls;
    private final int metricsPort;
    private final List<Member> cluster;
    private final String clusterToken;
    private final List<String> extraArgs;
    private final Path root;
    private @Nullable EtcdProcess process;
    private boolean frozen;
    private boolean closed;

    private EtcdServer(Member member, List<Member> cluster, String clusterToken, List<String> extraArgs,
            @Nullable Tls tls) throws IOException {
        this.member = member;
        this.tls = tls;
        this.metricsPort = tls == null ? -1 : FreePorts.pick();
        this.cluster = List.copyOf(cluster);
        this.clusterToken = clusterToken;
        this.extraArgs = List.copyOf(extraArgs);
        this.root = Files.createTempDirectory("kvstore-etcd-" + member.name() + "-");
    }

    /**
     * Starts a single-member etcd on free loopback ports and waits until it is healthy.
     */
    public static EtcdServer start() {
        return startSingle(null);
    }

    /**
     * Starts a single-member etcd whose client port speaks TLS ({@link #endpoint()} is then {@code https://...}).
     */
    public static EtcdServer startTls(Tls tls) {
        return startSingle(Objects.requireNonNull(tls, "tls"));
    }

    private static EtcdServer startSingle(@Nullable Tls tls) {
        AssertionError failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Member member = Member.onFreePorts("kvstore-test");
            EtcdServer server = create(member, List.of(member), "kvstore-test-" + System.nanoTime(), FAST_ELECTIONS,
                    tls);
            try {
                return server.start(START_TIMEOUT);
            } catch (AssertionError e) {
                boolean portTaken = server.lostAPortRace();
                server.close();
                if (!portTaken) {
                    throw e;
                }
                failure = e; // another process took a port between picking and binding: try other ports
            }
        }
        throw Objects.requireNonNull(failure);
    }

    /**
     * Creates a member of a cluster without starting it.
     *
     * @param member this server
     * @param cluster every member of the cluster, this one included
     * @param clusterToken the same for every member of one cluster, unique per cluster
     * @param extraArgs further etcd flags, e.g. {@link #FAST_ELECTIONS}
     */
    public static EtcdServer create(Member member, List<Member> cluster, String clusterToken, List<String> extraArgs) {
        return create(member, cluster, clusterToken, extraArgs, null);
    }

    /** Like {@link #create(Member, List, String, List)}, with TLS on the client port if {@code tls} is not null. */
    public static EtcdServer create(Member member, List<Member> cluster, String clusterToken, List<String> extraArgs,
            @Nullable Tls tls) {
        if (!cluster.contains(member)) {
            throw new IllegalArgumentException("the cluster " + cluster + " must include the member " + member);
        }
        try {
            return new EtcdServer(member, cluster, clusterToken, extraArgs, tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for etcd", e);
        }
    }

    /** Launches the process (on the same data directory and ports as before) and waits until it is healthy. */
    public synchronized EtcdServer start(Duration timeout) {
        launch();
        awaitHealthy(timeout);
        return this;
    }

    /** Launches the process without waiting; see {@link #awaitHealthy(Duration)}. */
    public synchronized void launch() {
        if (closed) {
            throw new IllegalStateException("etcd " + member.name() + " is closed");
        }
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(BINARY,
                "--name", member.name(),
                "--data-dir", dataDir().toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", member.peerUrl(),
                "--initial-advertise-peer-urls", member.peerUrl(),
                "--initial-cluster", initialCluster(),
                "--initial-cluster-token", clusterToken,
                "--initial-cluster-state", "new"));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.serverCertificate().toString(),
                    "--key-file", tls.serverKey().toString(),
                    "--trusted-ca-file", tls.caCertificate().toString(),
                    "--client-cert-auth=" + tls.clientCertAuth(),
                    "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort));
        }
        command.addAll(extraArgs);
        EtcdProcess launched = EtcdProcess.launch(command, logFile(), member.name());
        process = launched;
        log.debug("Launched etcd {} (pid {}) at {} in {}", member.name(), launched.pid(), endpoint(), root);
    }

    /**
     * Waits until the member answers {@code /health} with {@code "health":"true"} (it has a leader).
     *
     * @throws AssertionError with the server's log if it exits or does not get healthy in time
     */
    public void awaitHealthy(Duration timeout) {
        // With TLS on the client port, the plain-HTTP metrics port answers /health.
        String base = tls == null ? member.clientUrl() : "http://127.0.0.1:" + metricsPort;
        EtcdHealth.await(member.name(), base, timeout, () -> {
            EtcdProcess current = process; // read without the lock: start() holds it while it waits here
            return current != null && current.isAlive();
        }, this::describe);
    }

    /** Stops the process gracefully (SIGTERM, then SIGKILL after 10 s); the data directory stays. */
    public synchronized void stop() {
        end(false);
    }

    /** Kills the process (SIGKILL), as a crash would; the data directory stays. */
    public synchronized void kill() {
        end(true);
    }

    /**
     * Freezes the process (SIGSTOP), as a hung machine would: its sockets stay open and accept connections, but
     * nothing answers until {@link #thaw()}.
     */
    public synchronized void freeze() {
        running().signal("STOP");
        frozen = true;
    }

    /** Lets a {@link #freeze() frozen} process run on (SIGCONT). */
    public synchronized void thaw() {
        running().signal("CONT");
        frozen = false;
    }

    /** Stops and starts again on the same data directory and ports. */
    public synchronized void restart() {
        stop();
        start(START_TIMEOUT);
    }

    /** @return whether the process runs (a frozen one too) */
    public synchronized boolean isRunning() {
        EtcdProcess current = process;
        return current != null && current.isAlive();
    }

    /**
     * @return the running process's id (e.g. to read its CPU time)
     * @throws IllegalStateException if it is not running
     */
    public synchronized long pid() {
        return running().pid();
    }

    /** @return this server's name and ports */
    public Member member() {
        return member;
    }

    /** @return the client URL, e.g. {@code http://127.0.0.1:40123} ({@code https} with TLS) */
    public String endpoint() {
        return clientUrl(member);
    }

    /** @return the client URLs of every member of this server's cluster */
    public List<String> clusterEndpoints() {
        return cluster.stream().map(this::clientUrl).toList();
    }

    private String clientUrl(Member m) {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + m.clientPort();
    }

    /** @return the data directory, kept across stop and start, deleted by {@link #close()} */
    public Path dataDir() {
        return root.resolve("data");
    }

    /** @return whether the server failed because a port picked for it was bound by someone else first */
    public boolean lostAPortRace() {
        return log().contains("address already in use");
    }

    /** @return the server's output so far */
    public String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    /** Stops the server and deletes its data directory and log. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        end(false);
        closed = true;
        TempDirectories.deleteTree(root);
    }

    @Override
    public String toString() {
        return "EtcdServer[" + member.name() + " at " + endpoint() + "]";
    }

    private void end(boolean kill) {
        EtcdProcess current = process;
        if (current == null) {
            return;
        }
        if (frozen) {
            thaw(); // a stopped process would only act on SIGTERM once continued
        }
        try {
            current.end(kill);
        } finally {
            process = null;
        }
    }

    private EtcdProcess running() {
        EtcdProcess current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("etcd " + member.name() + " is not running");
        }
        return current;
    }

    private String initialCluster() {
        return cluster.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","));
    }

    private Path logFile() {
        return root.resolve("etcd.log");
    }

    private String describe() {
        String text = log();
        String tail = text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
        return "\n--- etcd log (" + logFile() + ") ---\n" + tail;
    }
}
