package dev.kvstore.benchmarks;

import dev.kvstore.tcp.protocol.wire.WireFormat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * Many PyTorch ranks in one thread: non-blocking connections, each sending byte for byte what a worker rank of a
 * {@link RankGeneration} sends ({@link #init}: construct its TCPStore and register; {@link #barriers}: the tutorial's
 * store-based barrier, rounds in a row). Past one master's worth of ranks, connections bind source addresses spread
 * over 127.0.0.0/8 ({@link #sourceAddress}), so N is not capped by one address's ephemeral ports.
 *
 * <p>A connect the master refuses is retried, as torch's client retries (with a backoff up to 1 s, until the phase's
 * deadline); any other failure ends that rank and is counted by its reason ({@link #failures()}): which limit was met,
 * e.g. "Too many open files" (this process's limit), "Cannot assign requested address" (ports), or a master that reset
 * or closed connections.
 */
final class RankSimulator implements AutoCloseable {

    /** Ranks per source address: far below one address's ephemeral ports towards one master port. */
    static final int RANKS_PER_ADDRESS = 1000;
    /** Ranks that connect from 127.0.0.1: more than one master process holds. */
    static final int LOOPBACK_RANKS = 20_000;

    private static final long MAX_RETRY_PAUSE_NANOS = Duration.ofSeconds(1).toNanos();

    private final InetSocketAddress master;
    private final RankGeneration generation;
    private final int firstRank;
    private final int loopbackRanks;
    private final int nonce;
    private final Selector selector;
    private final Rank[] ranks;
    private final PriorityQueue<Rank> retries = new PriorityQueue<>((a, b) -> Long.compare(a.retryAt, b.retryAt));
    private final Map<String, Failure> failures = new LinkedHashMap<>();
    private final long baseNanos = System.nanoTime();
    private final long baseEpochMicros;
    private long phaseStartNanos;
    private int done;
    private int connectRetries;
    private long cpuNanosBefore;

    /** How often a rank failed for one reason, and when first (ms after the phase started). */
    record Failure(String reason, int count, long firstAfterMillis) {
    }

    /** The init phase: the process's ranks connected and registered. */
    record InitResult(long startEpochMicros, long lastRegisteredEpochMicros, int registered, int connectRetries,
            double cpuSeconds) {
    }

    /** The barrier phase: per round, its first rank's start and its last rank's release (epoch µs). */
    record BarrierResult(long[] startEpochMicros, long[] endEpochMicros, int[] released, double cpuSeconds) {
    }

    /**
     * @param firstRank the global index of this process's first rank (it picks the source addresses)
     * @param loopbackRanks the ranks of all processes that connect from 127.0.0.1 unbound ({@link #sourceAddress})
     * @param nonce what the ranks' PING carries (a real rank sends its pid)
     */
    RankSimulator(InetSocketAddress master, RankGeneration generation, int rankCount, int firstRank,
            int loopbackRanks, int nonce) throws IOException {
        this.master = master;
        this.generation = generation;
        this.firstRank = firstRank;
        this.loopbackRanks = loopbackRanks;
        this.nonce = nonce;
        this.selector = Selector.open();
        this.ranks = new Rank[rankCount];
        for (int i = 0; i < rankCount; i++) {
            ranks[i] = new Rank(i);
        }
        Instant now = Instant.now();
        baseEpochMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /**
     * @param loopbackRanks how many ranks connect from 127.0.0.1 without binding: {@value #LOOPBACK_RANKS} (more than
     *     one master process can hold) for one master, 0 for gateways
     * @return the source address a global rank binds, or null for none: the first {@code loopbackRanks} ranks
     *     connect from 127.0.0.1 without binding (the kernel then shares its ephemeral ports among destinations);
     *     beyond them, 127.1.x.y, {@value #RANKS_PER_ADDRESS} ranks per address, so N is not capped by one address's
     *     ports. PyTorch 2.x's classic master looks up the name of every client it accepts, and addresses missing
     *     from /etc/hosts cost it a DNS query each: the ranks of one master come from 127.0.0.1, as ranks on hosts
     *     it can name quickly do. Gateways look no names up, and there the two kinds must not mix: a port that a
     *     socket bound (on any address) is one the kernel's connect() no longer picks for an unbound socket, and
     *     connect() takes only the even half of the ports before it needs such ports, so 16K unbound ranks of one
     *     gateway beside 80K bound ones of the others ran out of ports (each of 2,000-odd beyond the even half
     *     failed with "Cannot assign requested address")
     */
    static @Nullable InetAddress sourceAddress(int globalRank, int loopbackRanks) {
        if (globalRank < loopbackRanks) {
            return null;
        }
        int block = (globalRank - loopbackRanks) / RANKS_PER_ADDRESS;
        try {
            return InetAddress.getByAddress(new byte[] {127, 1, (byte) (block / 250), (byte) (block % 250 + 1)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    /**
     * Connects every rank and registers it as a worker ({@code ADD init/ 1}; 1.13 then opens its callback
     * connection). Returns when all registered, or at the deadline.
     */
    InitResult init(Duration timeout) throws IOException {
        beginPhase();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Rank rank : ranks) {
            rank.connectMain();
        }
        loop(deadline);
        long last = 0;
        int registered = 0;
        for (Rank rank : ranks) {
            last = Math.max(last, rank.registeredAt);
            registered += rank.alive() ? 1 : 0;
        }
        return new InitResult(epochMicros(phaseStartNanos), last == 0 ? 0 : epochMicros(last), registered,
                connectRetries, cpuSeconds());
    }

    /**
     * Runs the store-based barrier {@code rounds} times in a row on every registered rank (a rank starts its next
     * round as soon as the previous one released it), on keys named after {@code tag}.
     *
     * @param world the barrier's rendezvous count: all ranks of all simulator processes
     */
    BarrierResult barriers(int rounds, int world, String tag, Duration timeout) throws IOException {
        beginPhase();
        long deadline = System.nanoTime() + timeout.toNanos();
        Rounds plan = new Rounds(rounds, world, tag);
        for (Rank rank : ranks) {
            if (rank.alive()) {
                rank.startBarrier(plan);
            } else {
                done++; // a rank that failed to register is a failure already counted
            }
        }
        loop(deadline);
        long[] starts = new long[rounds];
        long[] ends = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            starts[r] = plan.firstStart[r] == Long.MAX_VALUE ? 0 : epochMicros(plan.firstStart[r]);
            ends[r] = plan.lastEnd[r] == 0 ? 0 : epochMicros(plan.lastEnd[r]);
        }
        return new BarrierResult(starts, ends, plan.released, cpuSeconds());
    }

    /** @return the failures of the last phase, by reason */
    List<Failure> failures() {
        return new ArrayList<>(failures.values());
    }

    @Override
    public void close() throws IOException {
        for (Rank rank : ranks) {
            rank.closeChannels();
        }
        selector.close();
    }

    private void beginPhase() {
        failures.clear();
        done = 0;
        phaseStartNanos = System.nanoTime();
        cpuNanosBefore = processCpuNanos();
    }

    private double cpuSeconds() {
        return (processCpuNanos() - cpuNanosBefore) / 1e9;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private long epochMicros(long nanos) {
        return baseEpochMicros + (nanos - baseNanos) / 1000;
    }

    private void loop(long deadline) throws IOException {
        while (done < ranks.length) {
            long now = System.nanoTime();
            if (now >= deadline) {
                return;
            }
            long until = deadline;
            Rank next = retries.peek();
            if (next != null) {
                until = Math.min(until, next.retryAt);
            }
            long millis = Math.max(1, (until - now) / 1_000_000);
            selector.select(millis);
            for (SelectionKey key : selector.selectedKeys()) {
                Rank rank = (Rank) key.attachment();
                rank.ready(key);
            }
            selector.selectedKeys().clear();
            now = System.nanoTime();
            while (!retries.isEmpty() && retries.peek().retryAt <= now) {
                retries.poll().connectMain();
            }
        }
    }

    private void fail(Rank rank, String reason) {
        long after = (System.nanoTime() - phaseStartNanos) / 1_000_000;
        failures.merge(reason, new Failure(reason, 1, after),
                (old, one) -> new Failure(reason, old.count() + 1, old.firstAfterMillis()));
        rank.closeChannels();
        rank.dead = true;
        done++;
    }

    private static String reason(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** The barrier rounds of one phase: their frames (the same bytes for every rank) and their timings. */
    private final class Rounds {
        final int count;
        final int world;
        final byte[][] add1;
        final byte[][] add0;
        final byte[][] setAndWait;
        final byte[][] waitOnly;
        final long[] firstStart;
        final long[] lastEnd;
        final int[] released;

        Rounds(int count, int world, String tag) {
            this.count = count;
            this.world = world;
            add1 = new byte[count][];
            add0 = new byte[count][];
            setAndWait = new byte[count][];
            waitOnly = new byte[count][];
            firstStart = new long[count];
            lastEnd = new long[count];
            released = new int[count];
            Arrays.fill(firstStart, Long.MAX_VALUE);
            for (int r = 0; r < count; r++) {
                String round = tag + "-" + r;
                add1[r] = generation.add(RankGeneration.barrierKey(round), 1);
                add0[r] = generation.add(RankGeneration.barrierKey(round), 0);
                waitOnly[r] = generation.waitFor(RankGeneration.lastWorkerKey(round));
                byte[] set = generation.set(RankGeneration.lastWorkerKey(round), "1");
                setAndWait[r] = Arrays.copyOf(set, set.length + waitOnly[r].length);
                System.arraycopy(waitOnly[r], 0, setAndWait[r], set.length, waitOnly[r].length);
            }
        }
    }

    /** One simulated rank: its connections and where it is in its exchange with the master. */
    private final class Rank {
        private static final int CONNECTING = 0;
        private static final int HANDSHAKE = 1;
        private static final int REGISTERING = 2;
        private static final int CALLBACK_CONNECTING = 3;
        private static final int REGISTERED = 4;
        private static final int ADDING = 5;
        private static final int COUNTING = 6;
        private static final int WAITING = 7;
        private static final int FINISHED = 8;

        private final int index;
        private final ByteBuffer reply = ByteBuffer.allocate(WireFormat.I64_BYTES).order(WireFormat.ORDER);
        private @Nullable SocketChannel main;
        private @Nullable SocketChannel callback;
        private @Nullable ByteBuffer pending;
        private int state = CONNECTING;
        private boolean dead;
        private long retryAt;
        private long retryPause = 50_000_000;
        private long registeredAt;
        private @Nullable Rounds rounds;
        private int round;

        Rank(int index) {
            this.index = index;
        }

        boolean alive() {
            return !dead && (state == REGISTERED || state == FINISHED);
        }

        void connectMain() {
            try {
                main = open();
                main.register(selector, SelectionKey.OP_CONNECT, this);
            } catch (IOException e) {
                fail(this, reason(e));
            }
        }

        private SocketChannel open() throws IOException {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // as torch's client
                // Closed with a reset, not FIN: no TIME_WAIT holds its port (per source address) for the next row.
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                InetAddress source = sourceAddress(firstRank + index, loopbackRanks);
                if (source != null) {
                    channel.bind(new InetSocketAddress(source, 0));
                }
                channel.connect(master);
                return channel;
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        void ready(SelectionKey key) {
            SocketChannel channel = (SocketChannel) key.channel();
            try {
                if (key.isConnectable()) {
                    connected(key, channel);
                    return;
                }
                if (key.isWritable()) {
                    flush();
                }
                if (key.isReadable()) {
                    read(channel);
                }
            } catch (ConnectException e) {
                retry(channel, e);
            } catch (IOException e) {
                fail(this, reason(e));
            }
        }

        private void connected(SelectionKey key, SocketChannel channel) throws IOException {
            channel.finishConnect();
            if (channel == callback) {
                key.interestOps(SelectionKey.OP_READ); // idle; a read shows the master closing it
                registered();
                return;
            }
            key.interestOps(SelectionKey.OP_READ);
            byte[] handshake = generation.handshake(nonce);
            if (handshake.length > 0) {
                state = HANDSHAKE;
                send(handshake, generation.handshakeReplyBytes());
            } else {
                register();
            }
        }

        private void retry(SocketChannel channel, ConnectException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a refused socket
            }
            if (channel == callback) {
                fail(this, "callback connection: " + reason(e));
                return;
            }
            connectRetries++;
            retryAt = System.nanoTime() + retryPause;
            retryPause = Math.min(MAX_RETRY_PAUSE_NANOS, retryPause * 2);
            retries.add(this);
        }

        private void register() throws IOException {
            state = REGISTERING;
            send(generation.add(WireFormat.INIT_KEY, 1), WireFormat.I64_BYTES);
        }

        private void registered() {
            state = REGISTERED;
            registeredAt = System.nanoTime();
            done++;
        }

        void startBarrier(Rounds plan) throws IOException {
            rounds = plan;
            round = 0;
            startRound();
        }

        private void startRound() throws IOException {
            Rounds plan = rounds;
            plan.firstStart[round] = Math.min(plan.firstStart[round], System.nanoTime());
            state = ADDING;
            send(plan.add1[round], WireFormat.I64_BYTES);
        }

        private void send(byte[] frame, int replyBytes) throws IOException {
            reply.clear().limit(replyBytes);
            pending = ByteBuffer.wrap(frame);
            flush();
        }

        private void flush() throws IOException {
            ByteBuffer out = pending;
            SelectionKey key = main.keyFor(selector);
            if (out != null) {
                main.write(out);
                if (out.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                pending = null;
            }
            key.interestOps(SelectionKey.OP_READ);
        }

        private void read(SocketChannel channel) throws IOException {
            if (channel == callback) {
                fail(this, "the master closed a callback connection");
                return;
            }
            int n = channel.read(reply);
            if (n < 0) {
                fail(this, "the master closed the connection (" + describe() + ")");
                return;
            }
            if (reply.hasRemaining()) {
                return;
            }
            reply.flip();
            replied();
        }

        private String describe() {
            return switch (state) {
                case HANDSHAKE -> "at the handshake";
                case REGISTERING -> "registering";
                case ADDING, COUNTING, WAITING -> "in a barrier";
                default -> "idle";
            };
        }

        private void replied() throws IOException {
            Rounds plan = rounds;
            switch (state) {
                case HANDSHAKE -> register();
                case REGISTERING -> {
                    if (generation.callbackConnection()) {
                        state = CALLBACK_CONNECTING;
                        callback = open();
                        callback.register(selector, SelectionKey.OP_CONNECT, this);
                    } else {
                        registered();
                    }
                }
                case ADDING -> {
                    state = COUNTING;
                    send(plan.add0[round], WireFormat.I64_BYTES);
                }
                case COUNTING -> {
                    long arrived = reply.getLong();
                    state = WAITING;
                    send(arrived == plan.world ? plan.setAndWait[round] : plan.waitOnly[round], 1);
                }
                case WAITING -> {
                    plan.lastEnd[round] = Math.max(plan.lastEnd[round], System.nanoTime());
                    plan.released[round]++;
                    round++;
                    if (round < plan.count) {
                        startRound();
                    } else {
                        state = FINISHED;
                        done++;
                    }
                }
                default -> fail(this, "unexpected bytes from the master (" + describe() + ")");
            }
        }

        void closeChannels() {
            for (SocketChannel channel : new SocketChannel[] {main, callback}) {
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        }
    }
}
