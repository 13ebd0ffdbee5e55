package dev.kvstore.tcp;

import dev.kvstore.api.KVStoreConnectionException;
import dev.kvstore.tcp.protocol.TcpProtocol;
import java.util.Locale;
import java.util.Objects;

/**
 * The master does not serve the protocol generation the store was told to speak ({@code kvstore.tcp.protocol},
 * {@link TcpKVStore.Builder#protocol}): the store found which one it speaks instead, without disturbing it.
 * {@link TcpProtocol#AUTO} (the default) speaks whichever the master serves.
 */
public class ProtocolMismatchException extends KVStoreConnectionException {

    private static final long serialVersionUID = 1L;

    private final TcpProtocol chosen;

    private final TcpProtocol spoken;

    private final String evidence;

    ProtocolMismatchException(String master, String setting, TcpProtocol chosen, TcpProtocol spoken,
            String evidence) {
        super("TCPStore master " + master + " does not serve the " + chosen + " protocol chosen by " + setting + ": "
                + evidence + ". It speaks " + spoken + " (" + ProtocolProbe.describe(spoken) + "). Set " + setting
                + " to auto (the default) or " + spoken.name().toLowerCase(Locale.ROOT) + ".");
        this.chosen = Objects.requireNonNull(chosen, "chosen");
        this.spoken = Objects.requireNonNull(spoken, "spoken");
        this.evidence = Objects.requireNonNull(evidence, "evidence");
    }

    /** @return the generation the store was told to speak */
    public TcpProtocol chosen() {
        return this.chosen;
    }

    /** @return the generation the master speaks */
    public TcpProtocol spoken() {
        return this.spoken;
    }

    /** @return how the store told, e.g. "it answered a legacy GETNUMKEYS but closed on the 2.2+ handshake" */
    public String evidence() {
        return this.evidence;
    }

}
