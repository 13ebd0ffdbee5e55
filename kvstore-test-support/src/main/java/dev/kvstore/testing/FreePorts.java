package dev.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers that tests start.
 *
 * <p>Ports come from below the kernel's ephemeral range when there is room: a port picked from inside it can be taken
 * by any outgoing connection (an etcd client, a peer's dial) before the server that was meant to get it binds it. A
 * port is handed out at most once per JVM.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 200;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int EPHEMERAL_LOW = ephemeralRangeLow();

    private FreePorts() {
    }

    /** @return a port that was free on 127.0.0.1 a moment ago */
    public static int pick() {
        if (EPHEMERAL_LOW - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int candidate = ThreadLocalRandom.current().nextInt(LOWEST, EPHEMERAL_LOW);
                if (!HANDED_OUT.contains(candidate) && bindable(candidate) && HANDED_OUT.add(candidate)) {
                    return candidate;
                }
            }
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = bindAny();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port after " + ATTEMPTS + " attempts");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int bindAny() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The low end of Linux's ephemeral port range, or 0 (pick from the kernel's) where it cannot be read. */
    private static int ephemeralRangeLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
