package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.api.KVStoreException;
import dev.kvstore.api.KeyPage;
import dev.kvstore.backend.KeyPageCollector;
import dev.kvstore.tcp.client.TcpStoreClient;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.protocol.wire.Command;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the keys of a TCPStore master (LIST_KEYS: the Java master and PyTorch 2.10+, with the MODERN protocol) for a
 * {@link TcpKVStore}: pages of a component's keys, and the deletion of a namespace's keys at {@code close(true)}.
 */
final class TcpKeyLister {

    private static final Logger log = LoggerFactory.getLogger(TcpKVStore.class);
    private static final String UNSUPPORTED = "LIST_KEYS needs a master that has it (the Java TcpStoreServer or "
            + "PyTorch 2.10+) and the MODERN protocol";

    private final TcpConnectionPool pool;
    private final TcpProtocol spoken;
    private final String master;

    /**
     * @param spoken the generation the pool's connections speak
     * @param master {@code host:port} of the master, for messages
     */
    TcpKeyLister(TcpConnectionPool pool, TcpProtocol spoken, String master) {
        this.pool = pool;
        this.spoken = spoken;
        this.master = master;
    }

    /**
     * Asks the master whether it lists keys: one LIST_KEYS, which an older master answers by dropping the connection
     * (told apart from a lost master by asking it for its key count on a new connection).
     *
     * @return empty if the master lists keys, otherwise why it cannot
     * @throws KVStoreConnectionException if the master cannot be reached at all
     */
    Optional<String> whyNotListing() {
        if (!Command.LIST_KEYS.existsIn(spoken)) {
            return Optional.of(UNSUPPORTED + "; this store speaks " + spoken);
        }
        try {
            pool.withConnection(client -> {
                client.streamWireKeys(wire -> { });
                return null;
            });
            return Optional.empty();
        } catch (KVStoreConnectionException e) {
            pool.withConnection(TcpStoreClient::numKeys); // throws if the master is gone, not just missing LIST_KEYS
            return Optional.of(UNSUPPORTED + "; the master at " + master + " closed the connection on LIST_KEYS "
                    + "(PyTorch before 2.10)");
        }
    }

    /**
     * Streams LIST_KEYS through a bounded {@link KeyPageCollector}, on a master that {@link #whyNotListing() lists
     * keys}.
     *
     * @param componentPrefix the store's {@code namespace/component/}; page entries are relative to it
     * @param prefix the keys wanted, relative to the component
     */
    KeyPage page(String componentPrefix, String prefix, @Nullable String continueAfter, int limit) {
        String wirePrefix = TcpStoreClient.wireKey(componentPrefix) + prefix;
        int relativeStart = wirePrefix.length() - prefix.length();
        KeyPageCollector page = new KeyPageCollector(continueAfter, limit);
        try {
            pool.withConnection(client -> {
                client.streamWireKeys(wire -> {
                    if (wire.startsWith(wirePrefix)) {
                        page.offer(wire.substring(relativeStart));
                    }
                });
                return null;
            });
        } catch (KVStoreConnectionException e) {
            try {
                pool.withConnection(TcpStoreClient::numKeys);
            } catch (RuntimeException stillDown) {
                throw e; // the master is gone
            }
            // It listed keys when asked first: a different master now answers at this address.
            throw new KVStoreException("the TCPStore master at " + master + " closed the connection on LIST_KEYS, "
                    + "which it answered before: " + UNSUPPORTED, e);
        }
        return page.page();
    }

    /**
     * Deletes the keys under the namespace where the master can list them; otherwise logs at INFO why they stay.
     *
     * @param namespacePrefix {@code namespace/}
     * @param where what becomes of keys left behind, for the log line
     */
    void deleteNamespace(String namespace, String namespacePrefix, String where) {
        if (!Command.LIST_KEYS.existsIn(spoken)) {
            log.info("TCPStore cannot enumerate keys with the {} protocol: the keys of namespace '{}' were not "
                    + "deleted.{}", spoken, namespace, where);
            return;
        }
        try (ConnectionLease lease = new ConnectionLease(() -> pool)) {
            int deleted = 0;
            for (String key : lease.client().listKeys()) {
                if (key.startsWith(namespacePrefix) && lease.client().deleteKey(key)) {
                    deleted++;
                }
            }
            log.debug("Deleted {} keys of namespace '{}' from TCPStore {}", deleted, namespace, master);
        } catch (KVStoreConnectionException e) {
            log.info("The TCPStore master {} cannot list keys (LIST_KEYS needs PyTorch 2.10+ or the Java "
                    + "server): the keys of namespace '{}' were not deleted.{}", master, namespace, where);
        }
    }
}
