package dev.kvstore.etcd;

import dev.kvstore.api.KVStoreException;
import dev.kvstore.etcd.access.EtcdAccess;
import dev.kvstore.etcd.access.FencedWriter.Outcome;
import dev.kvstore.etcd.access.FencedWriter;
import dev.kvstore.internal.DecimalText;
import dev.kvstore.internal.KeyLayout;
import dev.kvstore.internal.Printable;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The store's read-modify-writes: {@code add} (the counter rule of {@link DecimalText}), {@code compareAndSet} and
 * {@code delete} (whose reply says whether the key existed), each one etcd transaction through the store's
 * {@link FencedWriter}: a transaction whose answer is lost is settled, never sent again, so none is applied twice.
 * The writer's token keys are under {@code {namespace}//w/} (an empty component, which no store's keys can be in).
 */
final class EtcdTransactions implements AutoCloseable {

    private final EtcdAccess access;
    private final FencedWriter writer;

    EtcdTransactions(EtcdAccess access, KeyLayout layout) {
        this.access = access;
        this.writer = access.writer(new Tokens(layout.namespacePrefix() + "/w/"));
    }

    /** Stores the current count + delta; computed again from what etcd holds if another process wrote first. */
    long add(String fullKey, long delta) {
        return access.awaitWrite("add to key '" + fullKey + "'", () -> writer.write(bytes(fullKey), current -> {
            long next = addExact(fullKey, current, delta);
            return Outcome.set(DecimalText.format(next), next);
        }));
    }

    /**
     * @param expected the value the key must hold, or {@code null} for "must not exist"
     * @return whether the key now holds {@code desired} by this call, or already held it
     */
    boolean compareAndSet(String fullKey, byte @Nullable [] expected, byte[] desired) {
        return access.awaitWrite("compare-and-set of key '" + fullKey + "'", () -> writer.write(bytes(fullKey),
                current -> {
                    boolean matches = expected == null ? current == null : Arrays.equals(current, expected);
                    return matches ? Outcome.set(desired, Boolean.TRUE)
                            : Outcome.unchanged(current != null && Arrays.equals(current, desired));
                }));
    }

    /** @return whether the key existed (also when the answer to the delete was lost and it is retried) */
    boolean delete(String fullKey) {
        return access.awaitWrite("delete of key '" + fullKey + "'", () -> writer.write(bytes(fullKey),
                current -> current == null ? Outcome.unchanged(Boolean.FALSE) : Outcome.deleted(Boolean.TRUE)));
    }

    private static long addExact(String fullKey, byte @Nullable [] stored, long delta) {
        if (stored == null) {
            return delta;
        }
        long value = DecimalText.parse(stored).orElseThrow(() -> new KVStoreException("cannot add to key '"
                + fullKey + "': it holds '" + Printable.of(stored) + "', not a decimal number"));
        try {
            return Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            throw new KVStoreException("cannot add " + delta + " to key '" + fullKey + "' holding " + value
                    + ": the result overflows a long", e);
        }
    }

    /** Deletes the writer's token keys. */
    @Override
    public void close() {
        writer.close();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** Token keys {@code {namespace}//w/<writer>/<full key>}. */
    private record Tokens(String root) implements FencedWriter.TokenKeys {

        @Override
        public ByteSequence token(String writerId, ByteSequence key) {
            return all(writerId).concat(key);
        }

        @Override
        public ByteSequence all(String writerId) {
            return bytes(root + writerId + "/");
        }
    }
}
