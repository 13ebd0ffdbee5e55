package dev.kvstore.spring.health;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.TcpKVStore;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * Probes a TCPStore: one connection attempt to the master first, so that a master that is gone reads as
 * "connection refused by host:port" at once (the store itself would retry until its request timeout), then a round
 * trip through the store.
 */
final class TcpProbe {

    private TcpProbe() {
    }

    static KVStoreProbe forStore(TcpKVStore store) {
        return (timeout) -> {
            String host = (store.isMaster() && (store.host().equals("0.0.0.0") || store.host().equals("::")))
                    ? "127.0.0.1" : store.host();
            reach(host, store.port(), timeout);
            store.exists(KVStoreProbe.PROBE_KEY);
            return Map.of();
        };
    }

    private static void reach(String host, int port, Duration timeout) {
        String address = host + ":" + port;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(timeout.toMillis(), 60_000)));
        } catch (ConnectException ex) {
            throw new KVStoreConnectionException("connection refused by " + address, ex);
        } catch (SocketTimeoutException ex) {
            throw new KVStoreConnectionException("no connection to " + address + " within " + timeout, ex);
        } catch (IOException ex) {
            throw new KVStoreConnectionException("cannot connect to " + address + ": " + ex.getMessage(), ex);
        }
    }

}
