package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.Printable;
import dev.kvstore.internal.ProgressLog;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.server.ServerSnapshot;
import dev.kvstore.tcp.server.SnapshotQuery;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's rendezvous on a TCPStore: every process adds one to the {@code init/} counter, and a waiting master
 * blocks until the counter reaches the world size, as {@code torch.distributed.TCPStore(world_size=n)} does.
 */
final class WorkerRegistration {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);
    /** Client addresses a waiting master names at most in its log lines. */
    private static final int LISTED_CLIENTS = 16;
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(1);

    private final String master;
    private final Supplier<ConnectionLease> leases;
    private final TcpWaits waits;
    private final Duration workerWaitTimeout;
    private final Supplier<Optional<TcpStoreServer>> embeddedServer;

    /**
     * @param master {@code host:port} of the master, for log lines
     * @param workerWaitTimeout how long a waiting master waits for all processes
     * @param embeddedServer the master's own server, whose connected clients the wait names (torch's {@code init/}
     *     counter says how many joined, not which ranks)
     */
    WorkerRegistration(String master, Supplier<ConnectionLease> leases, TcpWaits waits, Duration workerWaitTimeout,
            Supplier<Optional<TcpStoreServer>> embeddedServer) {
        this.master = master;
        this.leases = leases;
        this.waits = waits;
        this.workerWaitTimeout = workerWaitTimeout;
        this.embeddedServer = embeddedServer;
    }

    /**
     * Adds this process to the counter and, if {@code waitForAll}, waits for the others.
     *
     * @throws KVStoreTimeoutException if not all {@code worldSize} processes joined within the worker wait timeout
     */
    void register(int worldSize, boolean waitForAll) {
        try (ConnectionLease lease = leases.get()) {
            long joined = lease.client().addRaw(TcpStoreClient.INIT_KEY, 1);
            log.debug("Registered with TCPStore {}: {}/{} processes joined", master, joined, worldSize);
            if (waitForAll && joined < worldSize) {
                awaitAll(lease, worldSize, joined);
            }
        }
    }

    private void awaitAll(ConnectionLease lease, int worldSize, long joined) {
        Deadline deadline = Deadline.after(workerWaitTimeout);
        Backoff backoff = TcpWaits.polling();
        long[] seen = {joined};
        ProgressLog progress = waits.progress("the master waits for " + worldSize + " TCPStore clients",
                workerWaitTimeout, () -> seen[0] + "/" + worldSize + " joined" + connectedClients());
        while (true) {
            // init/ exists (we added to it), so this WAIT only guards against a reset server; then read it.
            waits.awaitKeys(lease, List.of(TcpStoreClient.INIT_KEY), deadline, progress);
            long now = parseCounter(lease.client().getRaw(TcpStoreClient.INIT_KEY));
            if (now >= worldSize) {
                log.info("All {} TCPStore clients joined {}", worldSize, master);
                return;
            }
            if (now != seen[0]) {
                seen[0] = now;
                backoff.reset();
            }
            if (deadline.hasPassed()) {
                throw new KVStoreTimeoutException("Timed out after " + seconds(workerWaitTimeout)
                        + " seconds waiting for clients. " + now + "/" + worldSize + " clients joined"
                        + connectedClients() + ".");
            }
            progress.logIfDue();
            TcpWaits.pause(backoff, deadline);
        }
    }

    /**
     * What the embedded server sees, for a master's log lines: {@code "; 2 connection(s): 127.0.0.1:5001, ..."}
     * (a torch 1.13 client holds two connections; this process's own is among them); empty for a worker, or when
     * the server could not answer within a second.
     */
    private String connectedClients() {
        Optional<TcpStoreServer> server = embeddedServer.get();
        if (server.isEmpty()) {
            return "";
        }
        try {
            ServerSnapshot snapshot = server.get().snapshot(new SnapshotQuery(0, null, LISTED_CLIENTS, 0),
                    SNAPSHOT_TIMEOUT);
            List<String> addresses = snapshot.clients().stream().map(ServerSnapshot.Client::remoteAddress).toList();
            String more = snapshot.clientCount() > addresses.size() ? ", ..." : "";
            return "; " + snapshot.clientCount() + " connection(s): " + String.join(", ", addresses) + more;
        } catch (RuntimeException e) {
            return "; connections unknown (" + e.getMessage() + ")";
        }
    }

    private static long parseCounter(byte[] value) {
        return DecimalText.parse(value).orElseThrow(() -> new KVStoreException(
                "the TCPStore worker counter 'init/' holds '" + Printable.of(value) + "', not a decimal number"));
    }

    /** PyTorch's wording: whole seconds where the timeout is whole. */
    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
    }
}
