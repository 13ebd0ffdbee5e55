package dev.kvstore.tcp.server;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link TcpStoreServer} holds at one moment, taken on its event-loop thread by
 * {@link TcpStoreServer#snapshot(SnapshotQuery, Duration)}: the connected clients and what each waits for, a page of
 * the keys, the bytes stored against the limit, PyTorch's {@code init/} registration count, and the keys that clients
 * wait for and nobody has set yet ("missing": who a stuck rendezvous waits for). Immutable; lists are bounded by the
 * {@link SnapshotQuery}.
 *
 * <p>Key names are shown as UTF-8 text (keys travel as raw bytes; PyTorch clients prefix user keys with "/").
 *
 * @param takenAt when the snapshot was taken
 * @param clientCount clients connected (all of them, even past {@link SnapshotQuery#clientLimit()})
 * @param clients the connected clients, longest connected first, at most {@link SnapshotQuery#clientLimit()}
 * @param keyCount keys stored (as GETNUMKEYS counts them)
 * @param keys a page of the stored keys in byte order, after {@link SnapshotQuery#keysAfter()}, at most
 *     {@link SnapshotQuery#keyLimit()}
 * @param nextKeysAfter the key to pass as {@code keysAfter} for the next page; {@code null} if this page is the last
 * @param storedBytes bytes of keys and values stored (queues included)
 * @param maxStoreBytes the limit of {@code storedBytes} ({@code maxStoreBytes},
 *     {@code kvstore.tcp.server.max-store-size})
 * @param initRegistrations the value of PyTorch's {@code init/} counter: how many TCPStore clients constructed with a
 *     world size have registered (0 if none)
 * @param pendingWaitCount WAITs not answered yet over all clients
 * @param missing the keys waited for and not set, longest waited for first, at most
 *     {@link SnapshotQuery#clientLimit()}
 * @param ended the last WAITs that ended after being held (a WAIT answered at once is not one), latest first, at
 *     most 20: how each ended, so that a wait given up is never taken for one answered
 */
public record ServerSnapshot(Instant takenAt, int clientCount, List<Client> clients, long keyCount, List<Key> keys,
        @Nullable String nextKeysAfter, long storedBytes, long maxStoreBytes, long initRegistrations,
        int pendingWaitCount, List<MissingKey> missing, List<EndedWait> ended) {

    /** The key PyTorch's TCPStore clients add 1 to when they are constructed with a world size. */
    public static final String INIT_KEY = WireFormat.INIT_KEY;

    public ServerSnapshot {
        Objects.requireNonNull(takenAt, "takenAt");
        clients = List.copyOf(clients);
        keys = List.copyOf(keys);
        missing = List.copyOf(missing);
        ended = List.copyOf(ended);
    }

    /**
     * One connected client.
     *
     * @param remoteAddress its address and port, e.g. {@code 127.0.0.1:54321}
     * @param protocol the protocol generation detected from its first bytes; {@code null} before it sent any
     * @param connectedSince when it connected
     * @param requestsServed requests of it the server has handled
     * @param waits its WAITs not answered yet, oldest first
     */
    public record Client(String remoteAddress, @Nullable TcpProtocol protocol, Instant connectedSince,
            long requestsServed, List<PendingWait> waits) {

        public Client {
            Objects.requireNonNull(remoteAddress, "remoteAddress");
            Objects.requireNonNull(connectedSince, "connectedSince");
            waits = List.copyOf(waits);
        }
    }

    /**
     * A WAIT not answered yet.
     *
     * @param keys the keys it still waits for (those written since it arrived are gone)
     * @param since when it arrived
     * @param age how long it has waited when the snapshot was taken
     */
    public record PendingWait(List<String> keys, Instant since, Duration age) {

        public PendingWait {
            keys = List.copyOf(keys);
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(age, "age");
        }
    }

    /**
     * A stored key.
     *
     * @param name the key as UTF-8 text
     * @param size the value's length in bytes
     * @param value the value's first {@link SnapshotQuery#valueBytes()} bytes as UTF-8 text; {@code null} unless
     *     values were asked for
     */
    public record Key(String name, int size, @Nullable String value) {

        public Key {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * A key that clients wait for and nobody has set.
     *
     * @param name the key as UTF-8 text
     * @param waiters how many WAITs wait for it
     * @param since when the longest of them started
     * @param longestWait how long that one has waited when the snapshot was taken
     * @param waitingClients the addresses of the waiting clients (at most {@link SnapshotQuery#clientLimit()})
     */
    public record MissingKey(String name, int waiters, Instant since, Duration longestWait,
            List<String> waitingClients) {

        public MissingKey {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(longestWait, "longestWait");
            waitingClients = List.copyOf(waitingClients);
        }
    }

    /**
     * A WAIT that was held (some key was missing when it arrived) and has ended.
     *
     * @param keys the keys that were missing when it arrived
     * @param client the waiting client's address
     * @param since when it arrived
     * @param ended when it ended
     * @param waited how long it was held
     * @param outcome how it ended
     */
    public record EndedWait(List<String> keys, String client, Instant since, Instant ended, Duration waited,
            Outcome outcome) {

        public EndedWait {
            keys = List.copyOf(keys);
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(ended, "ended");
            Objects.requireNonNull(waited, "waited");
            Objects.requireNonNull(outcome, "outcome");
        }

        /** How a held WAIT ended, as the master sees it. */
        public enum Outcome {
            /** Every key it waited for was set: the client was answered. */
            RESOLVED,
            /**
             * The client withdrew it (CANCEL_WAIT): PyTorch 2.1+ and the Java client do so when their timeout passes.
             */
            CANCELLED,
            /**
             * The client's connection closed first: it gave up or died. (A PyTorch 1.13/2.0 client whose timeout
             * passed sends nothing: its WAIT stays held until the key is set or it disconnects.)
             */
            DISCONNECTED
        }
    }
}
