package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.api.KVWatch;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import dev.kvstore.tcp.protocol.wire.WireInput;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link TcpKVStore} can do only with the Java master: prefix watches ({@link TcpPrefixWatch}) and ephemeral
 * keys owned by a connection ({@link EphemeralSession}), through the protocol extension
 * {@link JavaMasterExtension}. Nothing of it is sent before the master proved to be the Java master: the first use
 * asks it with IDENTIFY on a connection of its own, one complete byte with the write side closed, which a PyTorch
 * master drops like any unknown request; the answer is kept for the store's life. A store that hosts the master
 * knows without asking. The store offers these capabilities only where {@link #isJavaMaster()}.
 */
final class JavaMasterFeatures implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);
    /** The longest the IDENTIFY probe waits for the master to answer or close. */
    private static final Duration MAX_IDENTIFY_WAIT = Duration.ofSeconds(10);

    private final String host;
    private final int port;
    private final TcpProtocol protocol;
    private final Duration requestTimeout;
    private final BooleanSupplier storeClosed;
    private final Set<TcpPrefixWatch> watches = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> lossListeners = new CopyOnWriteArrayList<>();
    /** Whether the master is the Java master; {@code null} until asked. */
    private Boolean javaMaster;
    private String evidence;
    private EphemeralSession session;
    private boolean closed;

    /**
     * @param ownServer whether the store hosts the master itself (then it is the Java master, no probe needed)
     * @param storeClosed whether the store was closed, to abandon connecting
     */
    JavaMasterFeatures(String host, int port, TcpProtocol protocol, Duration requestTimeout, boolean ownServer,
            BooleanSupplier storeClosed) {
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.requestTimeout = requestTimeout;
        this.storeClosed = storeClosed;
        if (ownServer) {
            javaMaster = true;
            evidence = "this store hosts it";
        }
    }

    // --- watches -------------------------------------------------------------------------------------------------

    KVWatch watch(KeyLayout layout, String prefix, KVWatch.Listener listener) {
        return watch(layout, prefix, listener, TcpPrefixWatch.DEFAULT_QUEUE_CAPACITY,
                TcpPrefixWatch.DEFAULT_QUEUE_BYTES);
    }

    /** A watch with the given queue bounds; for tests. Only for the Java master. */
    KVWatch watch(KeyLayout layout, String prefix, KVWatch.Listener listener, int capacity, long maxQueuedBytes) {
        TcpPrefixWatch[] created = new TcpPrefixWatch[1];
        created[0] = new TcpPrefixWatch(abandoned -> ExtensionConnection.open(host, port, protocol, requestTimeout,
                () -> abandoned.getAsBoolean() || storeClosed.getAsBoolean(), true), address(), layout, prefix,
                listener, capacity, maxQueuedBytes, () -> watches.remove(created[0]));
        synchronized (this) {
            requireOpen();
            watches.add(created[0]);
        }
        return created[0].start();
    }

    // --- ephemeral keys ------------------------------------------------------------------------------------------

    /**
     * SET_EPHEMERAL on the store's owning connection (opened now if there is none or it was lost). Only for the Java
     * master.
     */
    void setEphemeral(String fullKey, byte[] value) {
        currentSession().set(TcpStoreClient.wireKey(fullKey), value, requestTimeout);
    }

    /**
     * Registers a listener told (off the I/O threads) when the connection owning the ephemeral keys is lost. Only for
     * the Java master.
     */
    void onConnectionLoss(Consumer<String> listener) {
        lossListeners.add(listener);
    }

    private synchronized EphemeralSession currentSession() {
        requireOpen();
        if (session == null || !session.isOpen()) {
            ExtensionConnection connection = ExtensionConnection.open(host, port, protocol, requestTimeout,
                    storeClosed, true);
            session = new EphemeralSession(connection, address(), this::sessionLost);
        }
        return session;
    }

    private void sessionLost(String message) {
        log.warn("{}", message);
        if (lossListeners.isEmpty()) {
            return;
        }
        Thread notifier = new Thread(() -> {
            for (Consumer<String> listener : lossListeners) {
                try {
                    listener.accept(message);
                } catch (RuntimeException e) {
                    log.warn("A listener of the loss of the ephemeral keys on TCPStore {} failed", address(), e);
                }
            }
        }, "kvstore-tcp-ephemeral-loss");
        notifier.setDaemon(true);
        notifier.start();
    }

    // --- which master --------------------------------------------------------------------------------------------

    /**
     * @return whether the master is the Java master; asked once (see the class comment). When it is not, says once at
     *     INFO what the store does without it.
     */
    synchronized boolean isJavaMaster() {
        requireOpen();
        if (javaMaster == null) {
            javaMaster = identify();
            if (javaMaster) {
                log.debug("TCPStore master {}: {}", address(), evidence);
            } else {
                log.info("TCPStore master {} is not the Java master ({}): this store offers no key watches and no "
                        + "ephemeral keys, which need the Java master's protocol extension (PyTorch masters cannot "
                        + "tell that a process died, and {}). Use the Java master (TcpKVStore.Builder.master(true) "
                        + "or TcpStoreServer) or the etcd backend for them.", address(), evidence,
                        protocol == TcpProtocol.LEGACY ? "1.13/2.0's WATCH_KEY watches one existing key, "
                                + "not a prefix" : "have no prefix watch");
            }
        }
        return javaMaster;
    }

    private boolean identify() {
        Duration wait = requestTimeout.compareTo(MAX_IDENTIFY_WAIT) < 0 ? requestTimeout : MAX_IDENTIFY_WAIT;
        try (ExtensionConnection probe = ExtensionConnection.open(host, port, protocol, requestTimeout, storeClosed,
                false)) {
            probe.readTimeout(wait);
            probe.request(Command.EXT_IDENTIFY);
            probe.finishWriting();
            int first = probe.u8OrEnd();
            if (first < 0) {
                evidence = "it closed the connection on the extension's IDENTIFY request, as PyTorch masters and "
                        + "Java gateways on etcd do";
                return false;
            }
            WireInput in = probe.in();
            int magic = first | (in.u8() << 8) | (in.u8() << 16) | (in.u8() << 24);
            long version = in.u32();
            if (magic != JavaMasterExtension.MAGIC) {
                evidence = "it answered IDENTIFY with 0x" + Integer.toHexString(magic) + ", not the Java master's "
                        + "magic number";
                return false;
            }
            evidence = "it answered IDENTIFY as the Java master, extension version " + version;
            return true;
        } catch (SocketTimeoutException e) {
            throw new KVStoreTimeoutException("TCPStore master " + address() + " neither answered nor closed the "
                    + "connection within " + wait + " after the Java master's IDENTIFY request (is it overloaded or "
                    + "stopped?). Nothing was left unfinished on it.", e);
        } catch (IOException e) {
            // A reset is how some masters close on an unknown request.
            evidence = "it closed the connection on the extension's IDENTIFY request (" + e.getMessage()
                    + "), as PyTorch masters and Java gateways on etcd do";
            return false;
        }
    }

    private String address() {
        return host + ":" + port;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the TCPStore store of " + address() + " is closed");
        }
    }

    /** Ends the watches and closes the owning connection, waiting until the master deleted its ephemeral keys. */
    @Override
    public void close() {
        EphemeralSession ending;
        synchronized (this) {
            closed = true;
            ending = session;
            session = null;
        }
        List.copyOf(watches).forEach(TcpPrefixWatch::close);
        if (ending != null) {
            ending.close(requestTimeout);
        }
    }
}
