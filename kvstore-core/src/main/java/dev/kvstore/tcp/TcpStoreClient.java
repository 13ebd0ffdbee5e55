package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.Command;
import dev.kvstore.tcp.protocol.Generation;
import dev.kvstore.tcp.protocol.MalformedFrameException;
import dev.kvstore.tcp.protocol.ReplyCodes;
import dev.kvstore.tcp.protocol.WireInput;
import dev.kvstore.tcp.protocol.WireOutput;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a PyTorch c10d TCPStore master (or the Java {@code TcpStoreServer}), speaking one
 * {@link ProtocolGeneration}. The methods mirror {@code torch.distributed.TCPStore}.
 *
 * <p>Keys follow PyTorch's rule: every user key goes on the wire as {@code "/" + key}, so that a Java
 * {@code set("a/b", ...)} and a Python {@code store.set("a/b", ...)} address the same entry.
 *
 * <p>Every reply is awaited at most {@link #timeout()} (PyTorch's store timeout); waits take their own timeout. A
 * timed-out {@link #wait(Collection, Duration) wait} leaves the connection usable on {@link ProtocolGeneration#V2_1}
 * and {@link ProtocolGeneration#MODERN} (the wait is cancelled with CANCEL_WAIT). {@link ProtocolGeneration#LEGACY}
 * has no way to cancel a wait, so the connection is closed: check {@link #isOpen()} and connect anew. Any I/O error,
 * reply timeout or malformed reply also closes the connection.
 *
 * <p>Calls are serialised: one request at a time per connection. {@link #close()} may be called from any thread
 * and interrupts a blocked call, which then fails with {@link KVStoreConnectionException}.
 */
public final class TcpStoreClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreClient.class);

    /** The literal key of PyTorch's worker counter (no "/" prefix on the wire). */
    static final String INIT_KEY = "init/";

    /** Replies longer than this are treated as a corrupt stream rather than allocated. */
    private static final long MAX_REPLY_BYTES = Integer.MAX_VALUE - 16;
    /** Upper bound for reading the WAIT_CANCELED acknowledgement after a cancelled wait. */
    private static final Duration CANCEL_ACK_TIMEOUT = Duration.ofSeconds(10);
    private static final long FIRST_CONNECT_BACKOFF_MS = 10;
    private static final long MAX_CONNECT_BACKOFF_MS = 1000;

    private final String host;
    private final int port;
    private final ProtocolGeneration protocol;
    /** The opcode tables of {@link #protocol}. */
    private final Generation wire;
    private final Duration timeout;
    private final Socket socket;
    private final WireInput in;
    private final WireOutput out;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean open = true;

    private TcpStoreClient(String host, int port, ProtocolGeneration protocol, Duration timeout, Socket socket)
            throws IOException {
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.wire = protocol.wire();
        this.timeout = timeout;
        this.socket = socket;
        this.in = new WireInput(new BufferedInputStream(socket.getInputStream(), 64 * 1024), MAX_REPLY_BYTES);
        this.out = new WireOutput(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    }

    /**
     * Connects with the {@link ProtocolGeneration#MODERN} protocol; see
     * {@link #connect(String, int, ProtocolGeneration, Duration)}.
     */
    public static TcpStoreClient connect(String host, int port, Duration timeout) {
        return connect(host, port, ProtocolGeneration.MODERN, timeout);
    }

    /**
     * Connects to the master, retrying with backoff while it refuses connections (it may start later, as with
     * PyTorch), and sends the VALIDATE handshake if the protocol is {@link ProtocolGeneration#MODERN}.
     *
     * @param timeout bound of connecting and of every reply afterwards (PyTorch's store timeout)
     * @throws KVStoreTimeoutException if the master did not accept a connection within the timeout
     * @throws KVStoreConnectionException if the host cannot be resolved or the handshake fails
     */
    public static TcpStoreClient connect(String host, int port, ProtocolGeneration protocol, Duration timeout) {
        return connect(host, port, protocol, timeout, timeout, () -> false);
    }

    /**
     * Connects as {@link #connect(String, int, ProtocolGeneration, Duration)}, with separate bounds.
     *
     * @param connectTimeout bound of connecting, retries included
     * @param timeout bound of every reply afterwards
     * @param abandoned checked between attempts: once it answers {@code true} (its owner was closed) connecting stops
     *     with a {@link KVStoreConnectionException}; an interrupt stops it too
     */
    static TcpStoreClient connect(String host, int port, ProtocolGeneration protocol, Duration connectTimeout,
            Duration timeout, BooleanSupplier abandoned) {
        Objects.requireNonNull(protocol, "protocol");
        requirePositive(timeout);
        Socket socket = openSocket(host, port, connectTimeout, abandoned);
        try {
            TcpStoreClient client = new TcpStoreClient(host, port, protocol, timeout, socket);
            client.handshake();
            log.debug("Connected to TCPStore {}:{} ({})", host, port, protocol);
            return client;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new KVStoreConnectionException("TCPStore " + host + ":" + port + ": cannot connect: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Opens a TCP connection to the master, retrying with backoff while it refuses connections (it may start later,
     * as with PyTorch). Nothing is sent.
     *
     * @param abandoned checked between attempts: once it answers {@code true} connecting stops
     * @throws KVStoreTimeoutException if the master did not accept a connection within the timeout
     * @throws KVStoreConnectionException if the host cannot be resolved, connecting fails otherwise or was abandoned
     */
    static Socket openSocket(String host, int port, Duration connectTimeout, BooleanSupplier abandoned) {
        Objects.requireNonNull(host, "host");
        requirePositive(connectTimeout);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
        String address = host + ":" + port;
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        long backoffMs = FIRST_CONNECT_BACKOFF_MS;
        int attempts = 0;
        IOException lastRefusal = null;
        while (true) {
            if (abandoned.getAsBoolean()) {
                throw new KVStoreConnectionException("TCPStore " + address + ": connecting was abandoned (closed)");
            }
            attempts++;
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.setKeepAlive(true);
                socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(leftMs, 30_000)));
                if (attempts > 1) {
                    log.debug("Connected to TCPStore {} after {} attempts", address, attempts);
                }
                return socket;
            } catch (UnknownHostException e) {
                closeQuietly(socket);
                throw new KVStoreConnectionException("TCPStore " + address + ": unknown host", e);
            } catch (ConnectException | NoRouteToHostException | SocketTimeoutException e) {
                closeQuietly(socket);
                if (e instanceof ConnectException) {
                    lastRefusal = e;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    // A last attempt cut short by the deadline says less than the refusals before it.
                    IOException cause = (e instanceof SocketTimeoutException && lastRefusal != null) ? lastRefusal : e;
                    throw new KVStoreTimeoutException("Timed out after " + connectTimeout
                            + " connecting to TCPStore master "
                            + address + " (" + attempts + " attempts): " + connectFailure(cause), cause);
                }
                sleepQuietly(Math.min(backoffMs, left));
                backoffMs = Math.min(backoffMs * 2, MAX_CONNECT_BACKOFF_MS);
            } catch (IOException e) {
                closeQuietly(socket);
                throw new KVStoreConnectionException("TCPStore " + address + ": cannot connect: " + e.getMessage(), e);
            }
        }
    }

    /** @return why an attempt failed, in words ("connection refused" where the JDK gives no message) */
    private static String connectFailure(IOException e) {
        if (e instanceof ConnectException) {
            String detail = e.getMessage();
            return detail == null || detail.equalsIgnoreCase("connection refused") ? "connection refused"
                    : "connection refused (" + detail + ")";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private void handshake() throws IOException {
        if (wire == Generation.MODERN) {
            out.opcode(wire, Command.VALIDATE).u32(Generation.VALIDATE_MAGIC).flush();
        }
    }

    /** @return the wire form of a user key: {@code "/" + key}, as PyTorch's client sends it */
    static String wireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key must be a non-empty string");
        }
        return "/" + key;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public ProtocolGeneration protocol() {
        return protocol;
    }

    /** @return the bound of connecting and of every reply (PyTorch's store timeout) */
    public Duration timeout() {
        return timeout;
    }

    /** @return whether the connection takes requests; {@code false} after close, an error or a LEGACY wait timeout */
    public boolean isOpen() {
        return open;
    }

    // --- the TCPStore commands ------------------------------------------------------------------------------------

    /** SET: stores the value and wakes waiters on the key. */
    public void set(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        call(Command.SET, wire, () -> {
            out.string(wire).bytes(value);
            return null;
        }, () -> null);
    }

    /**
     * SET followed, in the same flush, by a CHECK of the key whose reply is awaited: when this returns, the server has
     * applied the SET, so a read on any other connection sees it (SET itself has no reply).
     */
    void setAcknowledged(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        int reply = call(Command.SET, wire, () -> {
            out.string(wire).bytes(value).opcode(this.wire, Command.CHECK).keys(List.of(wire));
            return null;
        }, in::u8);
        if (reply != ReplyCodes.READY && reply != ReplyCodes.NOT_READY) {
            throw malformed(Command.CHECK, "key '" + wire + "'", "unexpected CHECK reply " + reply);
        }
    }

    /**
     * {@code torch.distributed.TCPStore.get}: waits up to {@link #timeout()} for the key (WAIT), then reads it (GET).
     *
     * @throws KVStoreTimeoutException if the key did not appear within the timeout
     */
    public byte[] get(String key) {
        String wire = wireKey(key);
        waitRaw(List.of(wire), timeout);
        return getRaw(wire);
    }

    /**
     * ADD: atomically adds to the decimal counter at the key (missing counts as 0).
     *
     * @return the new value
     */
    public long add(String key, long delta) {
        return addRaw(wireKey(key), delta);
    }

    /**
     * COMPARE_SET with PyTorch's semantics: a missing key with empty {@code expected} is created with
     * {@code desired}; a present key equal to {@code expected} is replaced.
     *
     * @return the value after the step (for a missing key and non-empty {@code expected}: {@code expected})
     */
    public byte[] compareSet(String key, byte[] expected, byte[] desired) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(desired, "desired");
        String wire = wireKey(key);
        return call(Command.COMPARE_SET, wire, () -> {
            out.string(wire).bytes(expected).bytes(desired);
            return null;
        }, in::bytes);
    }

    /** DELETE_KEY. @return whether the key existed */
    public boolean deleteKey(String key) {
        String wire = wireKey(key);
        return call(Command.DELETE_KEY, wire, () -> {
            out.string(wire);
            return null;
        }, in::i64) != 0;
    }

    /** GETNUMKEYS: the number of keys on the server, PyTorch's {@code init/} counter included. */
    public long numKeys() {
        return call(Command.GETNUMKEYS, null, () -> null, in::i64);
    }

    /** CHECK: @return whether all keys exist */
    public boolean check(Collection<String> keys) {
        List<String> wire = wireKeys(keys);
        return checkRaw(wire);
    }

    /** WAIT with {@link #timeout()}; see {@link #wait(Collection, Duration)}. */
    public void wait(Collection<String> keys) {
        wait(keys, timeout);
    }

    /**
     * WAIT: blocks until all keys exist (server-side, no polling).
     *
     * @throws KVStoreTimeoutException if they did not all exist within the timeout; on
     *     {@link ProtocolGeneration#LEGACY} the connection is then closed
     */
    public void wait(Collection<String> keys, Duration timeout) {
        waitRaw(wireKeys(keys), timeout);
    }

    /** APPEND (2.1+): appends to the value, creating the key if missing. */
    public void append(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        call(Command.APPEND, wire, () -> {
            out.string(wire).bytes(value);
            return null;
        }, () -> null);
    }

    /**
     * MULTI_GET (2.1+): the values of existing keys, in order. As with GET, a missing key makes the server drop the
     * connection: WAIT for the keys first.
     */
    public List<byte[]> multiGet(List<String> keys) {
        List<String> wire = wireKeys(keys);
        return call(Command.MULTI_GET, describe(wire), () -> {
            out.keys(wire);
            return null;
        }, () -> {
            List<byte[]> values = new ArrayList<>(wire.size());
            for (int i = 0; i < wire.size(); i++) {
                values.add(in.bytes());
            }
            return values;
        });
    }

    /** MULTI_SET (2.1+): sets {@code keys[i]} to {@code values[i]}. */
    public void multiSet(List<String> keys, List<byte[]> values) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("multiSet needs as many values as keys, got " + keys.size()
                    + " keys and " + values.size() + " values");
        }
        List<String> wire = wireKeys(keys);
        call(Command.MULTI_SET, describe(wire), () -> {
            out.i64(wire.size());
            for (int i = 0; i < wire.size(); i++) {
                out.string(wire.get(i)).bytes(Objects.requireNonNull(values.get(i), "value"));
            }
            return null;
        }, () -> null);
    }

    /**
     * LIST_KEYS (PyTorch 2.10+ servers and the Java server; {@link ProtocolGeneration#MODERN} only). An older
     * server closes the connection on this unknown opcode.
     *
     * @return the user keys (wire keys without their leading "/"); internal keys such as {@code init/} are left out
     */
    public List<String> listKeys() {
        List<String> keys = new ArrayList<>();
        for (String wire : listWireKeys()) {
            if (wire.startsWith("/")) {
                keys.add(wire.substring(1));
            }
        }
        return keys;
    }

    // --- raw-key operations (package-private: TcpKVStore uses them for init/ and for GET after its own WAIT) -----

    List<String> listWireKeys() {
        List<String> keys = new ArrayList<>();
        streamWireKeys(keys::add);
        return keys;
    }

    /**
     * LIST_KEYS, handing each wire key to {@code each} as it is read instead of collecting them: the reply is read
     * in full (or the connection closed), and memory does not grow with the number of keys.
     */
    void streamWireKeys(Consumer<String> each) {
        call(Command.LIST_KEYS, null, () -> null, () -> {
            long count = in.count("LIST_KEYS count");
            for (long i = 0; i < count; i++) {
                each.accept(in.string());
            }
            return null;
        });
    }

    long addRaw(String wireKey, long delta) {
        return call(Command.ADD, wireKey, () -> {
            out.string(wireKey).i64(delta);
            return null;
        }, in::i64);
    }

    /** GET without a preceding WAIT; the server drops the connection if the key is missing. */
    byte[] getRaw(String wireKey) {
        return call(Command.GET, wireKey, () -> {
            out.string(wireKey);
            return null;
        }, in::bytes);
    }

    boolean checkRaw(List<String> wireKeys) {
        int reply = call(Command.CHECK, describe(wireKeys), () -> {
            out.keys(wireKeys);
            return null;
        }, in::u8);
        if (reply != ReplyCodes.READY && reply != ReplyCodes.NOT_READY) {
            throw malformed(Command.CHECK, describe(wireKeys), "unexpected CHECK reply " + reply);
        }
        return reply == ReplyCodes.READY;
    }

    void waitRaw(List<String> wireKeys, Duration waitTimeout) {
        requirePositive(waitTimeout);
        String what = describe(wireKeys);
        lock.lock();
        try {
            ensureOpen(Command.WAIT, what);
            try {
                out.opcode(wire, Command.WAIT).keys(wireKeys).flush();
                socket.setSoTimeout(soTimeout(waitTimeout));
                int reply;
                try {
                    reply = in.u8();
                } catch (SocketTimeoutException e) {
                    if (!wire.supports(Command.CANCEL_WAIT)) {
                        closeSocket();
                        throw new KVStoreTimeoutException(prefix() + "WAIT for " + what + " timed out after "
                                + waitTimeout + " (LEGACY protocol has no CANCEL_WAIT: connection closed)", e);
                    }
                    if (cancelWait(what)) {
                        return; // STOP_WAITING crossed our CANCEL_WAIT: the keys are there.
                    }
                    throw new KVStoreTimeoutException(
                            prefix() + "WAIT for " + what + " timed out after " + waitTimeout, e);
                }
                if (reply != ReplyCodes.STOP_WAITING) {
                    throw malformed(Command.WAIT, what, "unexpected WAIT reply " + reply);
                }
            } catch (IOException e) {
                throw broken(Command.WAIT, what, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends CANCEL_WAIT and reads up to WAIT_CANCELED.
     *
     * @return whether a STOP_WAITING arrived first (the wait was satisfied after all)
     */
    private boolean cancelWait(String what) throws IOException {
        out.opcode(wire, Command.CANCEL_WAIT).flush();
        socket.setSoTimeout(soTimeout(min(timeout, CANCEL_ACK_TIMEOUT)));
        boolean satisfied = false;
        while (true) {
            int reply;
            try {
                reply = in.u8();
            } catch (SocketTimeoutException e) {
                closeSocket();
                throw new KVStoreTimeoutException(
                        prefix() + "no WAIT_CANCELED after cancelling the WAIT for " + what + ": connection closed", e);
            }
            if (reply == ReplyCodes.WAIT_CANCELED) {
                return satisfied;
            }
            if (reply != ReplyCodes.STOP_WAITING) {
                throw malformed(Command.CANCEL_WAIT, what, "unexpected reply " + reply);
            }
            satisfied = true;
        }
    }

    // --- request plumbing ----------------------------------------------------------------------------------------

    private interface Io<T> {
        T run() throws IOException;
    }

    private <T> T call(Command command, String what, Io<Void> request, Io<T> reply) {
        if (!wire.supports(command)) {
            throw new UnsupportedOperationException(
                    command + " is not part of the " + protocol + " TCPStore protocol (" + host + ":" + port + ")");
        }
        lock.lock();
        try {
            ensureOpen(command, what);
            try {
                out.opcode(wire, command);
                request.run();
                out.flush();
                socket.setSoTimeout(soTimeout(timeout));
                return reply.run();
            } catch (SocketTimeoutException e) {
                closeSocket();
                throw new KVStoreTimeoutException(prefix() + "no reply to " + command + on(what) + " within "
                        + timeout + ": connection closed", e);
            } catch (IOException e) {
                throw broken(command, what, e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen(Command command, String what) {
        if (!open) {
            throw new KVStoreConnectionException(prefix() + "connection is closed; cannot send " + command + on(what));
        }
    }

    private KVStoreException broken(Command command, String what, IOException e) {
        boolean wasOpen = open;
        closeSocket();
        if (e instanceof MalformedFrameException) {
            return new KVStoreConnectionException(
                    prefix() + "malformed reply to " + command + on(what) + ": " + e.getMessage(), e);
        }
        String reason = e instanceof EOFException ? "the server closed the connection" : e.toString();
        if (!wasOpen) {
            reason = "the connection was closed";
        }
        return new KVStoreConnectionException(prefix() + command + on(what) + " failed: " + reason, e);
    }

    private KVStoreConnectionException malformed(Command command, String what, String detail) {
        closeSocket();
        return new KVStoreConnectionException(prefix() + "malformed reply to " + command + on(what) + ": " + detail
                + " (is the master speaking the " + protocol + " protocol?)");
    }

    private String prefix() {
        return "TCPStore " + host + ":" + port + ": ";
    }

    private static String on(String what) {
        return what == null ? "" : " of " + what;
    }

    private static String describe(List<String> wireKeys) {
        if (wireKeys.size() == 1) {
            return "key '" + wireKeys.get(0) + "'";
        }
        List<String> shown = wireKeys.size() > 8 ? wireKeys.subList(0, 8) : wireKeys;
        return wireKeys.size() + " keys " + shown + (wireKeys.size() > 8 ? "..." : "");
    }

    private static List<String> wireKeys(Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys must not be empty");
        }
        List<String> wire = new ArrayList<>(keys.size());
        for (String key : keys) {
            wire.add(wireKey(key));
        }
        return wire;
    }

    private static int soTimeout(Duration timeout) {
        long ms = Math.max(1, timeout.toMillis());
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    // --- lifecycle -----------------------------------------------------------------------------------------------

    /** Closes the connection; a call blocked in another thread fails with {@link KVStoreConnectionException}. */
    @Override
    public void close() {
        closeSocket();
    }

    private void closeSocket() {
        open = false;
        closeQuietly(socket);
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreConnectionException("interrupted while connecting to the TCPStore master", e);
        }
    }

    @Override
    public String toString() {
        return "TcpStoreClient[" + host + ":" + port + ", " + protocol + (open ? "" : ", closed") + "]";
    }

    /** For messages: a short printable form of bytes. */
    static String printable(byte[] value) {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        shown.write(value, 0, Math.min(value.length, 64));
        return shown.toString(StandardCharsets.UTF_8) + (value.length > 64 ? "...(" + value.length + " bytes)" : "");
    }
}
