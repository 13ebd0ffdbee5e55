package dev.kvstore.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A coordination key-value store shared by the processes of a distributed job: rendezvous, barriers and small
 * metadata exchange.
 *
 * <p>Every key is stored as {@code {namespace}/{component}/{key}}. The namespace isolates jobs, the component isolates
 * subsystems within a job; {@link #withComponent(String)} gives a view bound to another component that shares this
 * store's connection. Values are bytes; the string methods encode and decode UTF-8.
 *
 * <p>Reads of a missing key return {@link Optional#empty()}, never throw. Waits block the calling thread until
 * satisfied or until their timeout ({@link #DEFAULT_TIMEOUT} when none is given), then throw
 * {@link KVStoreTimeoutException} naming what was still missing. Every other failure is a {@link KVStoreException}.
 *
 * <p>Implementations are thread-safe. Closing a store never deletes data unless {@link #close(boolean)} is called
 * with {@code cleanup = true}, which only the process owning the namespace (rank 0) should do.
 */
public interface KVStore extends AutoCloseable {

    /** The timeout of waits that are given none: one hour, as in the Python {@code etha.kvstore} module. */
    Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    /** The value {@link #waitForKeys(String, int)} expects by default: {@code "1"}. */
    String DEFAULT_READY_VALUE = "1";

    /** @return the namespace of this store, the first segment of every key */
    String namespace();

    /** @return the component this store (or view) is bound to, the second segment of every key */
    String component();

    /**
     * A view of this store bound to another component. The view shares the connection of this store; closing the
     * view does nothing, closing this store closes the view's connection too.
     *
     * @param component the component of the view, non-empty, without {@code /}
     * @return a view whose keys are {@code {namespace}/{component}/{key}}
     * @throws IllegalArgumentException if the component is invalid
     */
    KVStore withComponent(String component);

    /** Stores a UTF-8 string value, replacing any previous value, and wakes waiters on the key. */
    default void set(String key, String value) {
        setBytes(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Stores raw bytes, replacing any previous value, and wakes waiters on the key. */
    void setBytes(String key, byte[] value);

    /** @return the value decoded as UTF-8, or empty if the key does not exist */
    default Optional<String> get(String key) {
        return getBytes(key).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** @return the raw value, or empty if the key does not exist */
    Optional<byte[]> getBytes(String key);

    /** @return whether the key exists */
    boolean exists(String key);

    /**
     * Deletes the key.
     *
     * @return {@code true} if the key existed and was deleted, {@code false} if it did not exist
     */
    boolean delete(String key);

    /** Waits up to {@link #DEFAULT_TIMEOUT} for the key to exist; see {@link #waitForKey(String, Duration)}. */
    default byte[] waitForKey(String key) {
        return waitForKey(key, DEFAULT_TIMEOUT);
    }

    /**
     * Waits for the key to exist and returns its value. A key that is deleted again before the wait observes it
     * does not satisfy the wait.
     *
     * @return the value the key had when the wait was satisfied
     * @throws KVStoreTimeoutException if the key did not exist within the timeout
     */
    byte[] waitForKey(String key, Duration timeout);

    /**
     * Waits for the key to hold exactly the expected UTF-8 value.
     *
     * @return the value (equal to {@code expected}, as bytes)
     * @throws KVStoreTimeoutException if the key did not hold the value within the timeout; the message says what
     *     the key held last
     */
    byte[] waitForValue(String key, String expected, Duration timeout);

    /**
     * Waits up to {@link #DEFAULT_TIMEOUT} until {@code expectedCount} keys matching the pattern hold {@code "1"}.
     * Needs a store that can list keys (etcd, or a TCPStore master with LIST_KEYS); see
     * {@link #waitForKeys(KeysQuery, Duration)}.
     */
    default List<String> waitForKeys(String keyPattern, int expectedCount) {
        return waitForKeys(KeysQuery.matching(keyPattern, expectedCount), DEFAULT_TIMEOUT);
    }

    /**
     * Waits until at least {@code expectedCount} keys matching the pattern hold {@code "1"}, among the candidate
     * keys: the form that works on every backend (a TCPStore master that cannot list keys needs the candidates; etcd
     * and the masters that can list do not).
     *
     * @param candidateKeys keys relative to the component that may match, e.g. one per rank
     * @see #waitForKeys(KeysQuery, Duration)
     */
    default List<String> waitForKeys(String keyPattern, int expectedCount, Collection<String> candidateKeys,
            Duration timeout) {
        return waitForKeys(KeysQuery.matching(keyPattern, expectedCount).withCandidates(candidateKeys), timeout);
    }

    /**
     * Waits until at least {@link KeysQuery#expectedCount()} keys of this component match the query's pattern and
     * hold its value.
     *
     * <p>In the pattern, {@code *} matches any run of characters (including {@code /}); everything else matches
     * itself. For example {@code "pair:foo/rank:*}{@code /ready"} matches {@code "pair:foo/rank:0/ready"}.
     *
     * <p>The etcd backend reads the component's prefix and watches it, and ignores the candidate keys. TCPStore waits
     * for {@link KeysQuery#withCandidates candidate keys} (the keys that may match, for example one per rank) with the
     * server-side WAIT when they are enough to reach the count; otherwise it lists the master's keys (LIST_KEYS: the
     * Java master and PyTorch 2.10+) and polls them. A master that cannot list needs enough candidates.
     *
     * @param query the pattern, the count, the value and the candidate keys
     * @param timeout how long to wait
     * @return the matching keys, relative to the component, in natural order ({@code rank:2} before {@code rank:10})
     * @throws KVStoreTimeoutException naming how many keys matched out of how many, and which candidates were missing
     * @throws IllegalArgumentException if the store cannot list keys (a TCPStore master without LIST_KEYS) and the
     *     query has fewer candidates than its count; the message says why and how to fix it
     */
    List<String> waitForKeys(KeysQuery query, Duration timeout);

    /**
     * Atomically adds {@code delta} to the decimal counter stored at the key (a missing key counts as 0).
     * The counter is stored as ASCII decimal text, as PyTorch's TCPStore {@code add} does. A value set otherwise is
     * read by PyTorch's rule on every backend (C++ {@code std::stoll}): leading whitespace and a sign are allowed,
     * the digits that follow count and anything after them is dropped ({@code "5abc"} plus 1 stores {@code "6"}).
     *
     * @return the value after the addition
     * @throws KVStoreException if the key holds something that does not start with a decimal number in the signed
     *     64-bit range (the value is left untouched), or the sum overflows (etcd and the Java master)
     */
    long add(String key, long delta);

    /**
     * Atomically replaces the value of the key with {@code desired} if it currently holds {@code expected}.
     *
     * <p>{@code expected == null} means "the key does not exist". TCPStore cannot tell a missing key from an empty
     * value: there, an existing empty value also counts as missing.
     *
     * @return {@code true} if the key now holds {@code desired} because of this call or already did
     */
    boolean compareAndSet(String key, byte @Nullable [] expected, byte[] desired);

    /**
     * Blocks until {@code parties} callers (typically one per rank, in any process) have reached the barrier of this
     * name.
     *
     * <p>A barrier never passes with fewer live callers than parties. When a caller's timeout runs out before all
     * parties arrived, it <em>breaks</em> the barrier: it throws {@link KVStoreTimeoutException}, the callers still
     * waiting throw it too, and the barrier never passes. A timeout racing the last arrival is settled atomically:
     * either the barrier breaks (and the last arrival fails as well) or it passes first (and the late caller, who
     * was counted, passes as well); never one without the other. A caller that fails otherwise after arriving (a
     * lost connection) may still be counted, since the store may not be reachable to say otherwise: after such an
     * error, use a new name.
     *
     * <p>A barrier name is single-use: once the barrier passed or broke, every call with that name throws
     * {@link KVStoreConflictException} at once, so retrying a timed-out barrier under the same name cannot pass;
     * give each round its own name (e.g. with a round number). The keys under {@code barrier/{name}/} stay until
     * cleanup. Every caller must pass the same {@code parties}.
     *
     * @throws KVStoreTimeoutException if not all parties arrived within this caller's timeout, or another caller's
     *     timeout broke the barrier; the message names how many had arrived
     * @throws KVStoreConflictException if the barrier of this name already passed or broke, or more callers than
     *     parties arrived
     */
    void barrier(String name, int parties, Duration timeout);

    /**
     * What this store can do beyond the core, one {@link KVCapability} at a time: {@link KeyListing},
     * {@link KeyWatches}, {@link EphemeralKeys} or {@link Locks}, bound to this store's component. Empty where the
     * backend lacks it; on TCPStore the answer depends on the master (asked once when first needed): the Java master
     * offers all four, a PyTorch master locks (and listing from 2.10 with the {@code MODERN} protocol).
     *
     * @param type the capability's interface
     * @return the capability, or empty if this store does not offer it
     * @throws IllegalStateException if the store is closed (or, on TCPStore, not started)
     */
    <C extends KVCapability> Optional<C> capability(Class<C> type);

    /**
     * Closes the store and releases its connection (and, for a TCPStore master, its embedded server).
     *
     * @param cleanup if {@code true}, also delete this namespace's keys where the backend can (etcd: the prefix
     *     {@code {namespace}/}). Only the owner of the namespace (rank 0) should pass {@code true}.
     */
    void close(boolean cleanup);

    /** Closes the store without deleting any data; same as {@code close(false)}. */
    @Override
    default void close() {
        close(false);
    }
}
