package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.tcp.protocol.wire.Command;
import dev.kvstore.tcp.protocol.wire.JavaMasterExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The connection that owns a {@link TcpKVStore}'s ephemeral keys on the Java master (SET_EPHEMERAL): the master
 * deletes them when this connection closes, whether the store closed it, the process died or the network broke. A
 * reader thread takes the acknowledgements and notices at once when the master closes the connection: then the keys
 * are gone, and {@code onLoss} is told (once) with a message naming them. {@link #close(Duration)} closes the write
 * side and waits for the master to close, so the keys are deleted when it returns.
 */
final class EphemeralSession {

    private final ExtensionConnection connection;
    private final String master;
    private final Consumer<String> onLoss;
    private final Thread reader;
    private final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
    /** Keys set through this session, for the loss message; the master unties keys others write, unknown here. */
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private volatile String lostBecause;

    EphemeralSession(ExtensionConnection connection, String master, Consumer<String> onLoss) {
        this.connection = connection;
        this.master = master;
        this.onLoss = onLoss;
        this.reader = new Thread(this::readAcknowledgements, "kvstore-tcp-ephemeral-" + master);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** @return whether the connection still owns its keys (not lost, not closed) */
    boolean isOpen() {
        return !closing && lostBecause == null;
    }

    /**
     * SET_EPHEMERAL, acknowledged: when it returns, the key is stored and owned by this session's connection.
     *
     * @throws KVStoreConnectionException if the connection is lost (the master closed it, e.g. the store is full)
     * @throws KVStoreTimeoutException if no acknowledgement came within the timeout (the connection is then closed)
     */
    void set(String wireKey, byte[] value, Duration timeout) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        synchronized (this) {
            if (!isOpen()) {
                throw lost(wireKey);
            }
            pending.add(acknowledged);
            try {
                connection.request(Command.EXT_SET_EPHEMERAL, wireKey.getBytes(StandardCharsets.UTF_8), value);
            } catch (IOException e) {
                pending.remove(acknowledged);
                connection.close();
                throw new KVStoreConnectionException(prefix() + "SET_EPHEMERAL of '" + wireKey + "' failed: " + e, e);
            }
        }
        try {
            acknowledged.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            keys.add(wireKey);
        } catch (TimeoutException e) {
            connection.close();
            throw new KVStoreTimeoutException(prefix() + "no reply to SET_EPHEMERAL of '" + wireKey + "' within "
                    + timeout + ": the connection owning the ephemeral keys was closed, so they are deleted", e);
        } catch (ExecutionException e) {
            throw lost(wireKey);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreException(prefix() + "interrupted while setting ephemeral key '" + wireKey + "'", e);
        }
    }

    private KVStoreConnectionException lost(String wireKey) {
        return new KVStoreConnectionException(prefix() + "cannot set ephemeral key '" + wireKey + "': "
                + (closing ? "the store is closing" : "the connection owning the ephemeral keys was lost ("
                        + lostBecause + ")"));
    }

    private void readAcknowledgements() {
        String reason;
        try {
            while (true) {
                int reply = connection.u8OrEnd();
                if (reply < 0) {
                    reason = "the master closed the connection";
                    break;
                }
                CompletableFuture<Void> first;
                synchronized (this) {
                    first = pending.poll();
                }
                if (first == null || reply != JavaMasterExtension.STORED) {
                    reason = "unexpected reply " + reply + " to SET_EPHEMERAL";
                    break;
                }
                first.complete(null);
            }
        } catch (IOException e) {
            reason = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        connection.close();
        lostBecause = reason;
        synchronized (this) {
            KVStoreConnectionException failure = new KVStoreConnectionException(prefix() + reason);
            pending.forEach(waiting -> waiting.completeExceptionally(failure));
            pending.clear();
        }
        if (!closing) {
            onLoss.accept("the connection owning the ephemeral keys " + keys + " on the Java TCPStore master " + master
                    + " was lost (" + reason + "): the master deleted them. Set them again: the next setEphemeral "
                    + "opens a new connection");
        }
    }

    /**
     * Closes the write side, then waits (up to {@code timeout}) for the master to close the connection, which it does
     * after deleting the keys it owned; closes the socket in any case.
     */
    void close(Duration timeout) {
        closing = true;
        try {
            connection.finishWriting();
            reader.join(Math.max(1, timeout.toMillis()));
        } catch (IOException e) {
            // The connection is gone already: the master has released the keys or will when it notices.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connection.close();
        }
    }

    private String prefix() {
        return "TCPStore " + master + ": ";
    }
}
