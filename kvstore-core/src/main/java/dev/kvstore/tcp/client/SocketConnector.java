package dev.kvstore.tcp.client;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreTimeoutException;
import dev.kvstore.internal.Checks;
import dev.kvstore.internal.Backoff;
import dev.kvstore.internal.Deadline;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens sockets to a TCPStore master the way PyTorch's client does: retrying with backoff (10 ms doubling up to 1 s)
 * while it refuses connections, since the master may start later, within one overall bound.
 */
public final class SocketConnector {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreClient.class);
    private static final Duration FIRST_CONNECT_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_CONNECT_BACKOFF = Duration.ofSeconds(1);

    private SocketConnector() {
    }

    /**
     * Opens a TCP connection to the master, retrying with backoff while it refuses connections (it may start later,
     * as with PyTorch). Nothing is sent.
     *
     * @param abandoned checked between attempts: once it answers {@code true} connecting stops
     * @throws KVStoreTimeoutException if the master did not accept a connection within the timeout
     * @throws KVStoreConnectionException if the host cannot be resolved, connecting fails otherwise or was abandoned
     */
    public static Socket open(String host, int port, Duration connectTimeout, BooleanSupplier abandoned) {
        Objects.requireNonNull(host, "host");
        Checks.positive("connectTimeout", connectTimeout);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
        String address = host + ":" + port;
        Deadline deadline = Deadline.after(connectTimeout);
        Backoff backoff = new Backoff(FIRST_CONNECT_BACKOFF, MAX_CONNECT_BACKOFF);
        int attempts = 0;
        @Nullable IOException lastRefusal = null;
        while (true) {
            if (abandoned.getAsBoolean()) {
                throw new KVStoreConnectionException("TCPStore " + address + ": connecting was abandoned (closed)");
            }
            attempts++;
            long leftMs = deadline.left().toMillis();
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
                if (deadline.left().toMillis() <= 0) {
                    // A last attempt cut short by the deadline says less than the refusals before it.
                    IOException cause = (e instanceof SocketTimeoutException && lastRefusal != null) ? lastRefusal : e;
                    throw new KVStoreTimeoutException("Timed out after " + connectTimeout
                            + " connecting to TCPStore master "
                            + address + " (" + attempts + " attempts): " + connectFailure(cause), cause);
                }
                pause(backoff, deadline);
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

    /** Closes the socket, ignoring failures: there is nothing left to release. */
    public static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }

    private static void pause(Backoff backoff, Deadline deadline) {
        try {
            backoff.sleep(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KVStoreConnectionException("interrupted while connecting to the TCPStore master", e);
        }
    }
}
