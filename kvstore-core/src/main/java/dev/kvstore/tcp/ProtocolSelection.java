package dev.kvstore.tcp;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link TcpKVStore} picks the {@link ProtocolGeneration} it speaks to the master: {@link #AUTO} (the default)
 * asks the master without disturbing it, the others name the generation and are checked the same way, so that a wrong
 * choice fails at build within seconds instead of stalling the master. See {@code docs/tcp-client.md}.
 *
 * <p>The Spring Boot property {@code kvstore.tcp.protocol} takes these names in any case and with {@code -} or
 * {@code _} ({@code auto}, {@code legacy}, {@code v2_1}, {@code v2-1}, {@code modern}).
 */
public enum ProtocolSelection {

    /**
     * Detect the master's generation when connecting: PyTorch 2.2+ and the Java server get {@code MODERN}, PyTorch
     * 2.1 {@code V2_1}, PyTorch 1.13 and 2.0 {@code LEGACY}. The probes are complete requests or end with the
     * connection's write side closed, so no master ever waits for bytes that do not come.
     */
    AUTO(null),

    /** PyTorch 1.13 and 2.0 (or a Java server whose legacy numbering is {@code LEGACY}). */
    LEGACY(ProtocolGeneration.LEGACY),

    /** PyTorch 2.1 (or a Java server whose legacy numbering is {@code V2_1}). */
    V2_1(ProtocolGeneration.V2_1),

    /** PyTorch 2.2 and later, and the Java server. */
    MODERN(ProtocolGeneration.MODERN);

    private final @Nullable ProtocolGeneration generation;

    ProtocolSelection(@Nullable ProtocolGeneration generation) {
        this.generation = generation;
    }

    /** @return the generation this selection names, or empty for {@link #AUTO} */
    public Optional<ProtocolGeneration> generation() {
        return Optional.ofNullable(generation);
    }

    /** @return the selection naming exactly this generation */
    public static ProtocolSelection of(ProtocolGeneration generation) {
        Objects.requireNonNull(generation, "generation");
        return switch (generation) {
            case LEGACY -> LEGACY;
            case V2_1 -> V2_1;
            case MODERN -> MODERN;
        };
    }
}
