package dev.kvstore.spring.metrics;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.Refusal;
import dev.kvstore.tcp.server.TcpStoreServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Meters of the embedded TCPStore master of a store (rank 0), read from the server when scraped (volatile counters,
 * never a request to its event loop):
 * <ul>
 * <li>{@value #SERVING}: 1 while the master's event loop serves clients, else 0;</li>
 * <li>{@value #CONNECTIONS}: clients connected (a torch 1.13 client holds two connections);</li>
 * <li>{@value #KEYS}: keys stored, as GETNUMKEYS counts them;</li>
 * <li>{@value #STORED_BYTES}: bytes of keys and values stored, what {@code kvstore.tcp.server.max-store-size}
 * bounds;</li>
 * <li>{@value #PENDING_WAITS}: WAIT requests not answered yet (clients blocked in {@code wait}, {@code get} of a
 * missing key or a barrier);</li>
 * <li>{@value #LOOP_RESTARTS}: how often the event loop died and was restarted;</li>
 * <li>{@value #REFUSALS}: connections the master closed, tag {@code reason} (e.g. {@code pending_budget},
 * {@code store_full}: writes dropped because the store was full);</li>
 * <li>{@value #PENDING_BYTES}: bytes held in partly received requests;</li>
 * <li>{@value #MEMORY_BYTES}: bytes charged to the master's memory budget (unread replies, watch backlogs and
 * initial states, partly received requests), what {@code kvstore.tcp.server.max-memory-size} bounds.</li>
 * </ul>
 */
public final class KVStoreServerMetrics implements MeterBinder {

    /** Name of the gauge of whether the master serves. */
    public static final String SERVING = "kvstore.server.serving";

    /** Name of the counter of event-loop restarts. */
    public static final String LOOP_RESTARTS = "kvstore.server.loop.restarts";

    /** Name of the counter of connections closed by the master, by reason. */
    public static final String REFUSALS = "kvstore.server.refusals";

    /** Name of the gauge of bytes in partly received requests. */
    public static final String PENDING_BYTES = "kvstore.server.pending.bytes";

    /** Name of the gauge of bytes charged to the memory budget. */
    public static final String MEMORY_BYTES = "kvstore.server.memory.bytes";

    /** Name of the gauge of connected clients. */
    public static final String CONNECTIONS = "kvstore.server.connections";

    /** Name of the gauge of stored keys. */
    public static final String KEYS = "kvstore.server.keys";

    /** Name of the gauge of stored bytes. */
    public static final String STORED_BYTES = "kvstore.server.stored.bytes";

    /** Name of the gauge of unanswered WAIT requests. */
    public static final String PENDING_WAITS = "kvstore.server.waits.pending";

    private final TcpStoreServer server;

    /** @param server the master whose meters {@link #bindTo} registers */
    public KVStoreServerMetrics(TcpStoreServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    /**
     * Registers the meters of the store's embedded master, if it hosts one; otherwise does nothing. A
     * {@link ManagedKVStore} starts in the context's lifecycle: its meters are registered once it started.
     */
    public static void bindEmbeddedMaster(MeterRegistry registry, KVStore store) {
        if (store instanceof ManagedKVStore managed) {
            managed.startup()
                .whenReady((backend) -> embeddedServer(backend)
                    .ifPresent((server) -> new KVStoreServerMetrics(server).bindTo(registry)));
            return;
        }
        embeddedServer(store).ifPresent((server) -> new KVStoreServerMetrics(server).bindTo(registry));
    }

    private static Optional<TcpStoreServer> embeddedServer(KVStore backend) {
        return (backend instanceof TcpKVStore tcp) ? tcp.embeddedServer() : Optional.empty();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        TcpStoreServer server = this.server;
        Gauge.builder(SERVING, server, (s) -> s.status().serving() ? 1 : 0)
            .description("Whether the embedded TCPStore master serves clients")
            .register(registry);
        FunctionCounter.builder(LOOP_RESTARTS, server, (s) -> s.status().loopRestarts())
            .description("Restarts of the embedded TCPStore master's event loop after it died")
            .register(registry);
        for (Refusal reason : Refusal.values()) {
            FunctionCounter.builder(REFUSALS, server, (s) -> s.status().refused(reason))
                .description("Connections the embedded TCPStore master closed, by reason")
                .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                .register(registry);
        }
        Gauge.builder(PENDING_BYTES, server, (s) -> s.status().pendingBytes())
            .description("Bytes the embedded TCPStore master holds in partly received requests")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder(MEMORY_BYTES, server, (s) -> s.status().memoryBytes())
            .description("Bytes the embedded TCPStore master holds for its clients, charged to its memory budget")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder(CONNECTIONS, server, TcpStoreServer::connectionCount)
            .description("Clients connected to the embedded TCPStore master")
            .register(registry);
        Gauge.builder(KEYS, server, TcpStoreServer::keyCount)
            .description("Keys stored in the embedded TCPStore master")
            .register(registry);
        Gauge.builder(STORED_BYTES, server, TcpStoreServer::storedBytes)
            .description("Bytes of keys and values stored in the embedded TCPStore master")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder(PENDING_WAITS, server, TcpStoreServer::waiterCount)
            .description("WAIT requests the embedded TCPStore master has not answered yet")
            .register(registry);
    }

}
