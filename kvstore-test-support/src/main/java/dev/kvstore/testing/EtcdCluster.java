package dev.kvstore.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A real multi-member etcd cluster of {@link EtcdServer}s on loopback, for tests of leader loss and member failures.
 * {@link #close()} stops every member and deletes their data.
 */
public final class EtcdCluster implements AutoCloseable {

    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":\"(\\d+)\"");
    private static final Pattern LEADER = Pattern.compile("\"leader\":\"(\\d+)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final List<EtcdServer> members;

    private EtcdCluster(List<EtcdServer> members) {
        this.members = List.copyOf(members);
    }

    /** Starts {@code size} members and waits until each is healthy (the cluster has a leader). */
    public static EtcdCluster start(int size) {
        AssertionError failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            List<EtcdServer.Member> specs = IntStream.range(0, size)
                    .mapToObj(i -> EtcdServer.Member.onFreePorts("member-" + i)).toList();
            String token = "kvstore-cluster-" + System.nanoTime();
            List<EtcdServer> servers = new ArrayList<>();
            try {
                for (EtcdServer.Member spec : specs) {
                    servers.add(EtcdServer.create(spec, specs, token, EtcdServer.FAST_ELECTIONS));
                }
                servers.forEach(EtcdServer::launch); // a member is healthy only once a quorum runs
                servers.forEach(server -> server.awaitHealthy(EtcdServer.START_TIMEOUT));
                return new EtcdCluster(servers);
            } catch (AssertionError e) {
                boolean portTaken = servers.stream().anyMatch(EtcdServer::lostAPortRace);
                servers.forEach(EtcdServer::close);
                if (!portTaken) {
                    throw e;
                }
                failure = e; // a port was taken between picking and binding: try other ports
            } catch (RuntimeException e) {
                servers.forEach(EtcdServer::close);
                throw e;
            }
        }
        throw failure;
    }

    public List<EtcdServer> members() {
        return members;
    }

    /**
     * Starts every member that is not running (after a stop, kill or crash: on its old data directory and ports) and
     * waits until every member is healthy again.
     */
    public void startStopped() {
        members.stream().filter(member -> !member.isRunning()).forEach(EtcdServer::launch);
        members.forEach(member -> member.awaitHealthy(EtcdServer.START_TIMEOUT));
    }

    /** @return the client endpoints of every member but {@code excluded} */
    public List<String> endpointsExcept(EtcdServer excluded) {
        return members.stream().filter(member -> member != excluded).map(EtcdServer::endpoint).toList();
    }

    /** @return the client endpoints of every member */
    public List<String> endpoints() {
        return members.stream().map(EtcdServer::endpoint).toList();
    }

    /**
     * @return the member that is leader according to a running member, if one knows a leader
     */
    public Optional<EtcdServer> leader() {
        for (EtcdServer member : members) {
            if (!member.isRunning()) {
                continue;
            }
            Optional<String> status = status(member);
            if (status.isEmpty()) {
                continue;
            }
            String leaderId = find(LEADER, status.get());
            if (leaderId == null || "0".equals(leaderId)) {
                continue;
            }
            for (EtcdServer candidate : members) {
                if (candidate.isRunning() && status(candidate).map(s -> find(MEMBER_ID, s))
                        .filter(leaderId::equals).isPresent()) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        members.forEach(EtcdServer::close);
    }

    /** The member's status through etcd's JSON gateway, which needs no client library. */
    private static Optional<String> status(EtcdServer member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.member().clientUrl()
                        + "/v3/maintenance/status"))
                .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static @Nullable String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }
}
