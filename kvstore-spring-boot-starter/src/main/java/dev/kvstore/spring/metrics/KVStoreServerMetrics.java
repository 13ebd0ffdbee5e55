package dev.kvstore.spring.metrics;

import dev.kvstore.api.KVStore;
import dev.kvstore.spring.ManagedKVStore;
import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.server.Refusal;
import dev.kvstore.tcp.server.TcpStoreServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Optional;

/**
 * Meters of the embedded TCPStore master of a store (rank 0), read from its
 * {@link TcpStoreServer#status() status} when scraped:
 * <ul>
 * <li>{@value #SERVING}: 1 while the master's event loop serves clients, else 0;</li>
 * <li>{@value #LOOP_RESTARTS}: how often the event loop died and was restarted;</li>
 * <li>{@value #REFUSALS}: connections the master closed, tag {@code reason} (e.g. {@code pending_budget},
 * {@code store_full}: writes dropped because the store was full);</li>
 * <li>{@value #PENDING_BYTES}: bytes held in partly received requests.</li>
 * </ul>
 */
public final class KVStoreServerMetrics {

    /** Name of the gauge of whether the master serves. */
    public static final String SERVING = "kvstore.server.serving";

    /** Name of the counter of event-loop restarts. */
    public static final String LOOP_RESTARTS = "kvstore.server.loop.restarts";

    /** Name of the counter of connections closed by the master, by reason. */
    public static final String REFUSALS = "kvstore.server.refusals";

    /** Name of the gauge of bytes in partly received requests. */
    public static final String PENDING_BYTES = "kvstore.server.pending.bytes";

    private KVStoreServerMetrics() {
    }

    /**
     * Registers the meters of the store's embedded master, if it hosts one; otherwise does nothing. A
     * {@link ManagedKVStore} starts in the context's lifecycle: its meters are registered once it started.
     */
    public static void bindEmbeddedMaster(MeterRegistry registry, KVStore store) {
        if (store instanceof ManagedKVStore managed) {
            managed.startup()
                .whenReady((backend) -> embeddedServer(backend).ifPresent((server) -> bind(registry, server)));
            return;
        }
        embeddedServer(store).ifPresent((server) -> bind(registry, server));
    }

    private static Optional<TcpStoreServer> embeddedServer(KVStore backend) {
        return (backend instanceof TcpKVStore tcp) ? tcp.embeddedServer() : Optional.empty();
    }

    private static void bind(MeterRegistry registry, TcpStoreServer server) {
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
    }

}
