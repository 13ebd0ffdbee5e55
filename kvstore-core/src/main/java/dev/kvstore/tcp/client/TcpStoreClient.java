package dev.kvstore.tcp.client;

import dev.kvstore.internal.Checks;
import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.ReplyCodes;
import dev.kvstore.tcp.protocol.wire.WireFormat;
import dev.kvstore.tcp.protocol.wire.WireInput;
import dev.kvstore.tcp.protocol.wire.WireOutput;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a PyTorch c10d TCPStore master (or the Java {@code TcpStoreServer}), speaking one
 * {@link TcpProtocol}. The methods mirror {@code torch.distributed.TCPStore}.
 *
 * <p>Keys follow PyTorch's rule: every user key goes on the wire as {@code "/" + key}, so that a Java
 * {@code set("a/b", ...)} and a Python {@code store.set("a/b", ...)} address the same entry.
 *
 * <p>Every reply is awaited at most {@link #timeout()} (PyTorch's store timeout); waits take their own timeout. A
 * timed-out {@link #wait(Collection, Duration) wait} leaves the connection usable on {@link TcpProtocol#V2_1}
 * and {@link TcpProtocol#MODERN} (the wait is cancelled with CANCEL_WAIT). {@link TcpProtocol#LEGACY}
 * has no way to cancel a wait, so the connection is closed: check {@link #isOpen()} and connect anew. Any I/O error,
 * reply timeout or malformed reply also closes the connection.
 *
 * <p>Calls are serialised: one request at a time per connection. {@link #close()} may be called from any thread
 * and interrupts a blocked call, which then fails with {@link KVStoreConnectionException}. A command the generation
 * lacks (e.g. MULTI_GET on {@link TcpProtocol#LEGACY}) fails with a {@link dev.kvstore.api.KVStoreException} naming
 * the command and the generations that have it; nothing is sent.
 *
 * <p>Not API: this is the connection {@link dev.kvstore.tcp.TcpKVStore} pools, public only so that our own modules
 * (tests, benchmarks) can speak raw TCPStore. It checks nothing about the master: a MODERN connection to a 1.13
 * master stalls that master until the connection sends more or closes.
 */
public final class TcpStoreClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreClient.class);

    /** The literal key of PyTorch's worker counter (no "/" prefix on the wire). */
    public static final String INIT_KEY = WireFormat.INIT_KEY;

    private final String host;
    private final int port;
    private final TcpProtocol protocol;
    private final Duration timeout;
    private final RequestChannel channel;
    private final WireInput in;
    private final WireOutput out;

    private TcpStoreClient(String host, int port, TcpProtocol protocol, Duration timeout, Socket socket)
            throws IOException {
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.timeout = timeout;
        this.channel = new RequestChannel(host + ":" + port, protocol, timeout, socket);
        this.in = channel.in();
        this.out = channel.out();
    }

    /**
     * Connects with the {@link TcpProtocol#MODERN} protocol; see
     * {@link #connect(String, int, TcpProtocol, Duration)}.
     */
    public static TcpStoreClient connect(String host, int port, Duration timeout) {
        return connect(host, port, TcpProtocol.MODERN, timeout);
    }

    /**
     * Connects to the master, retrying with backoff while it refuses connections (it may start later, as with
     * PyTorch), and sends the VALIDATE handshake if the protocol is {@link TcpProtocol#MODERN}.
     *
     * @param timeout bound of connecting and of every reply afterwards (PyTorch's store timeout)
     * @throws KVStoreTimeoutException if the master did not accept a connection within the timeout
     * @throws KVStoreConnectionException if the host cannot be resolved or the handshake fails
     */
    public static TcpStoreClient connect(String host, int port, TcpProtocol protocol, Duration timeout) {
        return connect(host, port, protocol, timeout, timeout, () -> false);
    }

    /**
     * Connects as {@link #connect(String, int, TcpProtocol, Duration)}, with separate bounds.
     *
     * @param connectTimeout bound of connecting, retries included
     * @param timeout bound of every reply afterwards
     * @param abandoned checked between attempts: once it answers {@code true} (its owner was closed) connecting stops
     *     with a {@link KVStoreConnectionException}; an interrupt stops it too
     */
    public static TcpStoreClient connect(String host, int port, TcpProtocol protocol, Duration connectTimeout,
            Duration timeout, BooleanSupplier abandoned) {
        Objects.requireNonNull(protocol, "protocol");
        if (!protocol.isGeneration()) {
            throw new IllegalArgumentException("a TcpStoreClient speaks one protocol generation (LEGACY, V2_1 or "
                    + "MODERN), not " + protocol + ": TcpKVStore detects the master's");
        }
        Checks.positive("timeout", timeout);
        Socket socket = SocketConnector.open(host, port, connectTimeout, abandoned);
        try {
            TcpStoreClient client = new TcpStoreClient(host, port, protocol, timeout, socket);
            client.channel.handshake();
            log.debug("Connected to TCPStore {}:{} ({})", host, port, protocol);
            return client;
        } catch (IOException e) {
            SocketConnector.closeQuietly(socket);
            throw new KVStoreConnectionException("TCPStore " + host + ":" + port + ": cannot connect: "
                    + e.getMessage(), e);
        }
    }

    /** @return the wire form of a user key: {@code "/" + key}, as PyTorch's client sends it */
    public static String wireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key must be a non-empty string");
        }
        return "/" + key;
    }

    /** @return the master's host, as given to {@code connect} */
    public String host() {
        return host;
    }

    /** @return the master's port */
    public int port() {
        return port;
    }

    /** @return the protocol generation this connection speaks */
    public TcpProtocol protocol() {
        return protocol;
    }

    /** @return the bound of connecting and of every reply (PyTorch's store timeout) */
    public Duration timeout() {
        return timeout;
    }

    /** @return whether the connection takes requests; {@code false} after close, an error or a LEGACY wait timeout */
    public boolean isOpen() {
        return channel.isOpen();
    }

    // --- the TCPStore commands ------------------------------------------------------------------------------------

    /** SET: stores the value and wakes waiters on the key. */
    public void set(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        channel.call(Command.SET, wire, () -> {
            out.string(wire).bytes(value);
            return null;
        }, () -> null);
    }

    /**
     * SET followed, in the same flush, by a CHECK of the key whose reply is awaited: when this returns, the server has
     * applied the SET, so a read on any other connection sees it (SET itself has no reply).
     */
    public void setAcknowledged(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        int reply = channel.call(Command.SET, wire, () -> {
            out.string(wire).bytes(value).opcode(protocol, Command.CHECK).keys(List.of(wire));
            return null;
        }, in::u8);
        if (reply != ReplyCodes.READY && reply != ReplyCodes.NOT_READY) {
            throw channel.malformed(Command.CHECK, "key '" + wire + "'", "unexpected CHECK reply " + reply);
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
        return channel.call(Command.COMPARE_SET, wire, () -> {
            out.string(wire).bytes(expected).bytes(desired);
            return null;
        }, in::bytes);
    }

    /** DELETE_KEY. @return whether the key existed */
    public boolean deleteKey(String key) {
        String wire = wireKey(key);
        return channel.call(Command.DELETE_KEY, wire, () -> {
            out.string(wire);
            return null;
        }, in::i64) != 0;
    }

    /** GETNUMKEYS: the number of keys on the server, PyTorch's {@code init/} counter included. */
    public long numKeys() {
        return channel.call(Command.GETNUMKEYS, null, () -> null, in::i64);
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
     *     {@link TcpProtocol#LEGACY} the connection is then closed
     */
    public void wait(Collection<String> keys, Duration timeout) {
        waitRaw(wireKeys(keys), timeout);
    }

    /** APPEND (2.1+): appends to the value, creating the key if missing. */
    public void append(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String wire = wireKey(key);
        channel.call(Command.APPEND, wire, () -> {
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
        return channel.call(Command.MULTI_GET, describe(wire), () -> {
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
        channel.call(Command.MULTI_SET, describe(wire), () -> {
            out.i64(wire.size());
            for (int i = 0; i < wire.size(); i++) {
                out.string(wire.get(i)).bytes(Objects.requireNonNull(values.get(i), "value"));
            }
            return null;
        }, () -> null);
    }

    /**
     * LIST_KEYS (PyTorch 2.10+ servers and the Java server; {@link TcpProtocol#MODERN} only). An older
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

    // --- raw-key operations: wire keys as they are, for TcpKVStore (init/, and GET after its own WAIT) ----------

    /** LIST_KEYS: every wire key, internal ones included. */
    public List<String> listWireKeys() {
        List<String> keys = new ArrayList<>();
        streamWireKeys(keys::add);
        return keys;
    }

    /**
     * LIST_KEYS, handing each wire key to {@code each} as it is read instead of collecting them: the reply is read
     * in full (or the connection closed), and memory does not grow with the number of keys.
     */
    public void streamWireKeys(Consumer<String> each) {
        channel.call(Command.LIST_KEYS, null, () -> null, () -> {
            long count = in.count("LIST_KEYS count");
            for (long i = 0; i < count; i++) {
                each.accept(in.string());
            }
            return null;
        });
    }

    /** ADD on a wire key. @return the new value */
    public long addRaw(String wireKey, long delta) {
        return channel.call(Command.ADD, wireKey, () -> {
            out.string(wireKey).i64(delta);
            return null;
        }, in::i64);
    }

    /** GET without a preceding WAIT; the server drops the connection if the key is missing. */
    public byte[] getRaw(String wireKey) {
        return channel.call(Command.GET, wireKey, () -> {
            out.string(wireKey);
            return null;
        }, in::bytes);
    }

    /** CHECK of wire keys. @return whether all exist */
    public boolean checkRaw(List<String> wireKeys) {
        int reply = channel.call(Command.CHECK, describe(wireKeys), () -> {
            out.keys(wireKeys);
            return null;
        }, in::u8);
        if (reply != ReplyCodes.READY && reply != ReplyCodes.NOT_READY) {
            throw channel.malformed(Command.CHECK, describe(wireKeys), "unexpected CHECK reply " + reply);
        }
        return reply == ReplyCodes.READY;
    }

    /** WAIT for wire keys, at most {@code waitTimeout}; see {@link #wait(Collection, Duration)}. */
    public void waitRaw(List<String> wireKeys, Duration waitTimeout) {
        Checks.positive("timeout", waitTimeout);
        channel.await(describe(wireKeys), () -> out.keys(wireKeys), waitTimeout);
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

    // --- lifecycle -----------------------------------------------------------------------------------------------

    /** Closes the connection; a call blocked in another thread fails with {@link KVStoreConnectionException}. */
    @Override
    public void close() {
        channel.closeSocket();
    }

    @Override
    public String toString() {
        return "TcpStoreClient[" + host + ":" + port + ", " + protocol + (channel.isOpen() ? "" : ", closed") + "]";
    }
}
