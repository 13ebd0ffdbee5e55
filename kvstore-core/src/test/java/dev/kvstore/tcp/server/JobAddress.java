package dev.kvstore.tcp.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loopback address in front of several gateways, like a Kubernetes Service: each new connection is piped to a
 * live gateway, and closed when that gateway's side closes (TCPStore clients do not reconnect, so a client of a dead
 * gateway sees its connection go). A test can pin new connections to one gateway to place clients deterministically;
 * when the pinned gateway refuses, the next live one is used.
 */
final class JobAddress implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final ServerSocket listener;
    private final List<Integer> gatewayPorts;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile int preferred;

    private JobAddress(List<Integer> gatewayPorts) throws IOException {
        this.gatewayPorts = List.copyOf(gatewayPorts);
        listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "job-address-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on an ephemeral loopback port in front of the gateways' ports. */
    static JobAddress inFrontOf(List<Integer> gatewayPorts) {
        try {
            return new JobAddress(gatewayPorts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on loopback", e);
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    /** @return "127.0.0.1:port" */
    String endpoint() {
        return "127.0.0.1:" + port();
    }

    /** Sends new connections to this gateway first (while it accepts them). */
    void pinTo(int gatewayPort) {
        int index = gatewayPorts.indexOf(gatewayPort);
        if (index < 0) {
            throw new IllegalArgumentException("not a gateway of this address: " + gatewayPort);
        }
        preferred = index;
    }

    /** @return how many client connections were accepted so far */
    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            // The pin in force when the connection arrived, fixed before accepted() counts it.
            int first = preferred;
            accepted.incrementAndGet();
            Thread connector = new Thread(() -> route(client, first), "job-address-route");
            connector.setDaemon(true);
            connector.start();
        }
    }

    private void route(Socket client, int first) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < gatewayPorts.size(); i++) {
            order.add(gatewayPorts.get((first + i) % gatewayPorts.size()));
        }
        for (int port : order) {
            Socket gateway = new Socket();
            try {
                gateway.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MILLIS);
                gateway.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
            } catch (IOException refused) {
                closeQuietly(gateway);
                continue; // a dead gateway: try the next
            }
            clients.add(client);
            pipe(client, gateway, false);
            pipe(gateway, client, true);
            return;
        }
        closeQuietly(client);
    }

    /**
     * Copies one direction. The client closing its side half-closes the gateway's (a reply may still be due); the
     * gateway closing or failing ends the whole connection, as a dead master's would.
     */
    private void pipe(Socket from, Socket to, boolean fromGateway) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                if (!fromGateway) {
                    to.shutdownOutput();
                    return;
                }
            } catch (IOException e) {
                // Either side went away: end both below.
            }
            Socket client = fromGateway ? to : from;
            clients.remove(client);
            closeQuietly(from);
            closeQuietly(to);
        }, "job-address-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already gone.
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Already closed.
        }
        clients.forEach(JobAddress::closeQuietly);
        clients.clear();
    }
}
