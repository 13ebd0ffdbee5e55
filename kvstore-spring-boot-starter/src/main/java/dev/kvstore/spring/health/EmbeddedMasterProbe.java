package dev.kvstore.spring.health;

import dev.kvstore.tcp.server.Refusal;
import dev.kvstore.tcp.server.ServerStatus;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The probe of a store that hosts the embedded TCPStore master: a master whose event loop is not serving is DOWN
 * with the reason, even while this process's own pooled connections would still look fine; otherwise the round trip
 * of the store, with the master's restarts and refusals as details.
 */
final class EmbeddedMasterProbe implements KVStoreProbe {

    private final TcpStoreServer server;

    private final KVStoreProbe roundTrip;

    EmbeddedMasterProbe(TcpStoreServer server, KVStoreProbe roundTrip) {
        this.server = server;
        this.roundTrip = roundTrip;
    }

    @Override
    public Map<String, Object> roundTrip(Duration timeout) {
        ServerStatus status = this.server.status();
        if (!status.serving()) {
            throw new IllegalStateException("the embedded TCPStore master on " + this.server.host() + ":"
                    + this.server.port() + " is not serving"
                    + ((status.lastIncident() != null) ? "; last incident at " + status.lastIncident().at() + ": "
                            + status.lastIncident().description() : ""));
        }
        Map<String, Object> details = new LinkedHashMap<>(this.roundTrip.roundTrip(timeout));
        details.put("masterLoopRestarts", status.loopRestarts());
        Map<String, Long> refusals = new LinkedHashMap<>();
        for (Refusal reason : Refusal.values()) {
            if (status.refused(reason) > 0) {
                refusals.put(reason.name().toLowerCase(java.util.Locale.ROOT), status.refused(reason));
            }
        }
        details.put("masterRefusals", refusals);
        if (status.lastIncident() != null) {
            details.put("masterLastIncident", status.lastIncident().at() + ": " + status.lastIncident().description());
        }
        return details;
    }

}
