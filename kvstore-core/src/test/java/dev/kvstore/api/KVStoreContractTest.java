package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.recipes.CompareAndSetLock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The contract every {@link KVStore} backend passes. A subclass implements {@link #createStore(String, String)}: a
 * new connection to the same server each time, so that tests can play several processes ({@link #openStore} and
 * {@link #peer()} call it and close what it opened after each test). Every test uses its own
 * namespace, so one server can serve the whole class.
 */
public abstract class KVStoreContractTest {

    /** Short enough to keep the suite fast, long enough for a loaded 2-core CI machine to answer. */
    protected static final Duration SHORT = Duration.ofMillis(400);
    protected static final Duration LONG = Duration.ofSeconds(30);

    private final List<KVStore> opened = Collections.synchronizedList(new ArrayList<>());
    private ExecutorService pool;
    private String namespace;
    protected KVStore store;

    /**
     * Opens a new connection to the backend's server, bound to the namespace and component.
     */
    protected abstract KVStore createStore(String namespace, String component);

    /**
     * @return whether the backend can watch a prefix (etcd, the Java TCPStore master): whether it offers
     *     {@link KeyWatches}
     */
    protected boolean canWatch() {
        return false;
    }

    /** @return whether the backend has ephemeral keys (etcd, the Java TCPStore master): {@link EphemeralKeys} */
    protected boolean hasLeases() {
        return false;
    }

    /**
     * @return whether the backend (and its server) can list keys: whether it offers {@link KeyListing}, and so
     *     whether a pattern wait needs no candidate keys
     */
    protected boolean canListKeys() {
        return true;
    }

    /**
     * @return whether the backend waits on the candidate keys it is given (TCPStore: WAIT and CHECK on them), so
     *     that a timeout names the missing ones; etcd watches the prefix instead
     */
    protected boolean waitsOnCandidates() {
        return false;
    }

    private static <C extends KVCapability> C offered(KVStore store, Class<C> type) {
        return store.capability(type).orElseThrow(() -> new AssertionError(store + " does not offer "
                + type.getSimpleName()));
    }

    private static Locks locks(KVStore store) {
        return offered(store, Locks.class);
    }

    protected final KVStore openStore(String namespace, String component) {
        KVStore opened = createStore(namespace, component);
        this.opened.add(opened);
        return opened;
    }

    /** A second process of the same job: another connection, same namespace and component. */
    protected final KVStore peer() {
        return openStore(namespace, store.component());
    }

    @BeforeEach
    void openDefaultStore(TestInfo info) {
        namespace = "ns-" + info.getTestMethod().orElseThrow().getName() + "-" + System.nanoTime();
        store = openStore(namespace, "tensorbus");
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void closeStores() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("test threads stopped").isTrue();
        synchronized (opened) {
            for (KVStore s : opened) {
                s.close(false);
            }
        }
    }

    private <T> Future<T> async(Callable<T> task) {
        return pool.submit(task);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Asserts the future stays incomplete for a while: the wait really blocks. */
    private static void assertStillWaiting(Future<?> future) {
        await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2)).until(() -> !future.isDone());
    }

    // --- round trips -------------------------------------------------------------------------------------------

    @Test
    void stringRoundTrip() {
        store.set("greeting", "héllo wörld ✓");
        assertThat(store.get("greeting")).contains("héllo wörld ✓");
        assertThat(peer().get("greeting")).contains("héllo wörld ✓");
    }

    @Test
    void emptyBinaryAndLargeBytesRoundTrip() {
        byte[] allBytes = new byte[256];
        for (int i = 0; i < 256; i++) {
            allBytes[i] = (byte) i;
        }
        byte[] oneMiB = new byte[1 << 20];
        new Random(42).nextBytes(oneMiB);

        store.setBytes("empty", new byte[0]);
        store.setBytes("binary", allBytes);
        store.setBytes("large", oneMiB);

        KVStore other = peer();
        assertThat(other.getBytes("empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(other.exists("empty")).isTrue();
        assertThat(other.getBytes("binary")).hasValueSatisfying(v -> assertThat(v).isEqualTo(allBytes));
        assertThat(other.getBytes("large")).hasValueSatisfying(v -> assertThat(v).isEqualTo(oneMiB));
    }

    @Test
    void keysMayContainSlashesAndColons() {
        store.set("pair:a/rank:0/ready", "1");
        assertThat(store.get("pair:a/rank:0/ready")).contains("1");
    }

    @Test
    void setOverwrites() {
        store.set("k", "first");
        store.set("k", "second");
        assertThat(store.get("k")).contains("second");
    }

    @Test
    void missingKeyIsAbsentNotAnError() {
        assertThat(store.get("missing")).isEmpty();
        assertThat(store.getBytes("missing")).isEmpty();
        assertThat(store.exists("missing")).isFalse();
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThatThrownBy(() -> store.set("", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.withComponent("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("component");
        assertThatThrownBy(() -> store.waitForKeys("*", 0, List.of("a"), SHORT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expectedCount");
    }

    // --- delete and exists -------------------------------------------------------------------------------------

    @Test
    void deleteIsReal() {
        store.set("doomed", "x");
        assertThat(store.exists("doomed")).isTrue();
        assertThat(store.delete("doomed")).isTrue();
        assertThat(store.exists("doomed")).isFalse();
        assertThat(store.get("doomed")).isEmpty();
        assertThat(store.delete("doomed")).isFalse();
    }

    @Test
    void deletedKeyDoesNotSatisfyAWait() {
        store.set("gone", "x");
        store.delete("gone");
        assertThatThrownBy(() -> store.waitForKey("gone", SHORT)).isInstanceOf(KVStoreTimeoutException.class);
    }

    // --- isolation ---------------------------------------------------------------------------------------------

    @Test
    void namespacesAreIsolated() {
        KVStore otherJob = openStore(namespace + "-other", store.component());
        store.set("k", "mine");
        otherJob.set("k", "theirs");
        assertThat(store.get("k")).contains("mine");
        assertThat(otherJob.get("k")).contains("theirs");
        otherJob.delete("k");
        assertThat(store.get("k")).contains("mine");
    }

    @Test
    void componentsAreIsolatedAndViewsShareTheConnection() {
        KVStore data = store.withComponent("data");
        assertThat(data.namespace()).isEqualTo(store.namespace());
        assertThat(data.component()).isEqualTo("data");
        store.set("k", "tensorbus");
        data.set("k", "data");
        assertThat(store.get("k")).contains("tensorbus");
        assertThat(data.get("k")).contains("data");
        assertThat(peer().withComponent("data").get("k")).contains("data");

        data.close();
        assertThat(store.get("k")).as("closing a view leaves the store open").contains("tensorbus");
        assertThat(store.withComponent("data").get("k")).contains("data");
    }

    // --- waits ---------------------------------------------------------------------------------------------------

    @Test
    void waitForKeySatisfiedBeforeItStarts() {
        store.set("early", "v");
        assertThat(store.waitForKey("early", LONG)).isEqualTo(utf8("v"));
    }

    @Test
    void waitForKeySatisfiedAfterItStarts() throws Exception {
        Future<byte[]> waiter = async(() -> store.waitForKey("late", LONG));
        assertStillWaiting(waiter);
        peer().set("late", "arrived");
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("arrived"));
    }

    @Test
    void waitForKeyTimesOutNamingTheKey() {
        assertThatThrownBy(() -> store.waitForKey("never", SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining(namespace + "/tensorbus/never");
    }

    @Test
    void storeStaysUsableAfterATimedOutWait() {
        assertThatThrownBy(() -> store.waitForKey("never", SHORT)).isInstanceOf(KVStoreTimeoutException.class);
        peer().set("never", "late");
        store.set("after", "ok");
        assertThat(store.get("after")).contains("ok");
        assertThat(store.get("never")).contains("late");
    }

    @Test
    void waitForValueSeesTheExpectedValue() throws Exception {
        store.set("state", "starting");
        Future<byte[]> waiter = async(() -> store.waitForValue("state", "ready", LONG));
        assertStillWaiting(waiter);
        KVStore other = peer();
        other.set("state", "loading");
        other.set("state", "ready");
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(utf8("ready"));
    }

    @Test
    void waitForValueTimesOutNamingTheLastValue() {
        store.set("state", "stuck");
        assertThatThrownBy(() -> store.waitForValue("state", "ready", SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("ready")
                .hasMessageContaining("stuck");
    }

    @Test
    void waitForKeysMatchesPatternAndValueInNaturalOrder() throws Exception {
        int ranks = 12;
        List<String> candidates = IntStream.range(0, ranks).mapToObj(r -> "pair:foo/rank:" + r + "/ready").toList();
        Future<List<String>> waiter =
                async(() -> store.waitForKeys("pair:foo/rank:*/ready", ranks, candidates, LONG));
        KVStore other = peer();
        other.set("pair:foo/rank:3/other", "1");
        for (int r = ranks - 1; r >= 0; r--) {
            other.set("pair:foo/rank:" + r + "/ready", r == 5 ? "0" : "1");
        }
        assertStillWaiting(waiter);
        other.set("pair:foo/rank:5/ready", "1");
        assertThat(waiter.get(30, TimeUnit.SECONDS)).containsExactlyElementsOf(candidates);
    }

    @Test
    void waitForKeysWithAnyValue() {
        store.set("w/1", "a");
        store.set("w/2", "b");
        assertThat(store.waitForKeys(KeysQuery.matching("w/*", 2).withAnyValue()
                .withCandidates(List.of("w/1", "w/2", "w/3")), LONG))
                .containsExactly("w/1", "w/2");
    }

    @Test
    void waitForKeysTakesAQueryWithCandidatesOnEveryBackend() {
        store.set("q/rank:10", "1");
        store.set("q/rank:2", "1");
        store.set("q/rank:1", "0");
        List<String> candidates = List.of("q/rank:1", "q/rank:2", "q/rank:10", "elsewhere");
        KeysQuery ready = KeysQuery.matching("q/rank:*", 2).withCandidates(candidates);
        assertThat(store.waitForKeys(ready, LONG)).containsExactly("q/rank:2", "q/rank:10");
        assertThat(store.waitForKeys("q/rank:*", 2, candidates, LONG)).containsExactly("q/rank:2", "q/rank:10");
        assertThat(store.waitForKeys(KeysQuery.matching("q/rank:*", 1).withValue("0").withCandidates(candidates),
                LONG)).containsExactly("q/rank:1");
        assertThat(store.waitForKeys(KeysQuery.matching("q/rank:*", 3).withAnyValue().withCandidates(candidates),
                LONG)).containsExactly("q/rank:1", "q/rank:2", "q/rank:10");
    }

    @Test
    void waitForKeysTimesOutNamingWhatIsMissing() {
        List<String> candidates = List.of("rank:0", "rank:1", "rank:2", "rank:3");
        store.set("rank:0", "1");
        store.set("rank:1", "1");
        store.set("rank:2", "1");
        assertThatThrownBy(() -> store.waitForKeys("rank:*", 4, candidates, SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("3 of 4")
                .satisfies(e -> {
                    if (waitsOnCandidates()) {
                        assertThat(e).hasMessageContaining("rank:3");
                    }
                });
    }

    @Test
    void waitForKeysCandidateKeysAreRequiredOnlyWhereTheBackendCannotList() {
        store.set("listed:0", "1");
        if (!canListKeys()) {
            assertThatThrownBy(() -> store.waitForKeys("listed:*", 1, List.of(), SHORT))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only 0 candidate keys match it")
                    .hasMessageContaining("cannot list its keys")
                    .hasMessageContaining("Pass the keys that may match");
        } else {
            assertThat(store.waitForKeys("listed:*", 1, List.of(), SHORT)).containsExactly("listed:0");
            assertThat(store.waitForKeys(KeysQuery.matching("listed:*", 1), SHORT)).containsExactly("listed:0");
        }
    }

    /**
     * Issue 26's "same code, both backends": a pattern wait with no candidates passes wherever the store can list
     * keys, blocking until the last matching key holds the value, and only matching keys count.
     */
    @Test
    void patternWaitWithoutCandidatesWaitsForKeysThatAppearLater() throws Exception {
        if (!canListKeys()) {
            return; // the refusal is asserted above
        }
        int ranks = 12;
        store.set("rank:0/ready", "0"); // not the value yet
        store.set("rank:0/other", "1"); // not the pattern
        Future<List<String>> waiter = async(() -> store.waitForKeys("rank:*/ready", ranks, List.of(), LONG));
        KVStore peer = peer();
        for (int rank = 0; rank < ranks - 1; rank++) {
            peer.set("rank:" + rank + "/ready", "1");
        }
        assertStillWaiting(waiter);
        peer.set("rank:" + (ranks - 1) + "/ready", "1");
        assertThat(waiter.get(LONG.toSeconds(), TimeUnit.SECONDS)).hasSize(ranks)
                .startsWith("rank:0/ready", "rank:1/ready", "rank:2/ready").endsWith("rank:11/ready");
        assertThatThrownBy(() -> store.waitForKeys("rank:*/ready", ranks + 1, List.of(), SHORT))
                .isInstanceOf(KVStoreTimeoutException.class).hasMessageContaining("12 of 13 keys");
    }

    // --- concurrency -------------------------------------------------------------------------------------------

    @Test
    void manyConcurrentWritersAndWaiters() throws Exception {
        int threads = 16;
        List<KVStore> ranks = IntStream.range(0, threads).mapToObj(i -> peer()).toList();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int rank = i;
            results.add(async(() -> {
                KVStore mine = ranks.get(rank);
                start.await();
                mine.set("token/" + rank, "from-" + rank);
                return mine.waitForKey("token/" + ((rank + 1) % threads), LONG);
            }));
        }
        start.countDown();
        for (int i = 0; i < threads; i++) {
            assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(utf8("from-" + ((i + 1) % threads)));
        }
    }

    @Test
    void sharedStoreIsThreadSafe() throws Exception {
        int threads = 8;
        int perThread = 50;
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            results.add(async(() -> {
                for (int i = 0; i < perThread; i++) {
                    String key = "shared/" + thread + "/" + i;
                    store.set(key, key);
                    assertThat(store.get(key)).contains(key);
                }
                return perThread;
            }));
        }
        for (Future<Integer> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(perThread);
        }
    }

    // --- add, compare-and-set, barrier --------------------------------------------------------------------------

    @Test
    void addCountsFromZeroAndStoresDecimalText() {
        assertThat(store.add("counter", 5)).isEqualTo(5);
        assertThat(store.add("counter", -2)).isEqualTo(3);
        assertThat(store.add("counter", 0)).isEqualTo(3);
        assertThat(store.get("counter")).contains("3");
    }

    @Test
    void addOnANonNumberIsAnError() {
        store.set("text", "not a number");
        assertThatThrownBy(() -> store.add("text", 1)).isInstanceOf(KVStoreException.class);
        assertThat(store.get("text")).as("the value is untouched").contains("not a number");
    }

    /** The rule of PyTorch's master (C++ std::stoll): the number the value starts with counts, the rest is dropped. */
    @Test
    void addCountsFromTheDecimalNumberTheValueStartsWith() {
        store.set("suffixed", "5abc");
        assertThat(store.add("suffixed", 1)).isEqualTo(6);
        assertThat(store.get("suffixed")).as("stored back as plain decimal text").contains("6");
        store.set("padded", " \t-7\n");
        assertThat(store.add("padded", 2)).isEqualTo(-5);
        store.set("signed", "+3");
        assertThat(store.add("signed", 0)).isEqualTo(3);
        assertThat(store.get("signed")).contains("3");
    }

    @Test
    void addOnAValueWithoutLeadingDigitsOrBeyondSigned64BitsIsAnError() {
        for (String value : List.of("abc5", "-", "99999999999999999999")) {
            store.set("text", value);
            assertThatThrownBy(() -> store.add("text", 1)).as(value).isInstanceOf(KVStoreException.class)
                    .hasMessageContaining("not a decimal number");
            assertThat(store.get("text")).as("the value is untouched").contains(value);
        }
    }

    @Test
    void concurrentAddsAreAtomic() throws Exception {
        int threads = 8;
        int perThread = 50;
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            KVStore rank = peer();
            results.add(async(() -> {
                for (int i = 0; i < perThread; i++) {
                    rank.add("hits", 1);
                }
                return null;
            }));
        }
        for (Future<?> result : results) {
            result.get(60, TimeUnit.SECONDS);
        }
        assertThat(store.get("hits")).contains(String.valueOf(threads * perThread));
    }

    @Test
    void compareAndSet() {
        assertThat(store.compareAndSet("leader", null, utf8("a"))).isTrue();
        assertThat(store.get("leader")).contains("a");
        assertThat(store.compareAndSet("leader", null, utf8("b"))).isFalse();
        assertThat(store.compareAndSet("leader", utf8("x"), utf8("b"))).isFalse();
        assertThat(store.get("leader")).contains("a");
        assertThat(store.compareAndSet("leader", utf8("a"), utf8("b"))).isTrue();
        assertThat(store.get("leader")).contains("b");
        assertThat(store.compareAndSet("absent", utf8("x"), utf8("y"))).isFalse();
        assertThat(store.exists("absent")).isFalse();
    }

    @Test
    void compareAndSetRaceHasExactlyOneWinner() throws Exception {
        int threads = 8;
        AtomicInteger winners = new AtomicInteger();
        ConcurrentHashMap<Integer, Boolean> outcome = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int rank = t;
            KVStore mine = peer();
            results.add(async(() -> {
                start.await();
                boolean won = mine.compareAndSet("election", null, utf8("rank-" + rank));
                outcome.put(rank, won);
                if (won) {
                    winners.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> result : results) {
            result.get(60, TimeUnit.SECONDS);
        }
        assertThat(winners.get()).isEqualTo(1);
        int winner = outcome.entrySet().stream().filter(e -> e.getValue()).findFirst().orElseThrow().getKey();
        assertThat(store.get("election")).contains("rank-" + winner);
    }

    @Test
    void barrierReleasesAllPartiesTogether() throws Exception {
        int parties = 6;
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < parties - 1; t++) {
            KVStore rank = peer();
            results.add(async(() -> {
                rank.barrier("start", parties, LONG);
                return null;
            }));
        }
        for (Future<?> result : results) {
            assertStillWaiting(result);
        }
        store.barrier("start", parties, LONG);
        for (Future<?> result : results) {
            result.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void barrierTimeoutSaysHowManyArrived() {
        assertThatThrownBy(() -> store.barrier("lonely", 3, SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("1 of 3");
    }

    @Test
    void aBarrierRetriedAfterATimeoutNeverPassesWithOneCaller() {
        assertThatThrownBy(() -> store.barrier("retried", 2, SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("1 of 2")
                .hasMessageContaining("now broken");
        // The same lone caller again, and another process: the timed-out arrival does not count for them.
        assertThatThrownBy(() -> store.barrier("retried", 2, SHORT))
                .isInstanceOf(KVStoreConflictException.class)
                .hasMessageContaining("barrier 'retried' is broken")
                .hasMessageContaining("single-use");
        assertThatThrownBy(() -> peer().barrier("retried", 2, SHORT))
                .isInstanceOf(KVStoreConflictException.class);
    }

    @Test
    void reusingThePassedBarrierNameIsAConflict() throws Exception {
        KVStore other = peer();
        Future<?> first = async(() -> {
            other.barrier("once", 2, LONG);
            return null;
        });
        store.barrier("once", 2, LONG);
        first.get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> store.barrier("once", 2, SHORT))
                .isInstanceOf(KVStoreConflictException.class)
                .hasMessageContaining("barrier 'once' already passed")
                .hasMessageContaining("single-use");
    }

    @Test
    void partiesStillWaitingFailOnceAnotherPartyTimedOut() throws Exception {
        KVStore patient = peer();
        Future<?> waiting = async(() -> {
            patient.barrier("broken-by-other", 3, LONG);
            return null;
        });
        assertStillWaiting(waiting);
        assertThatThrownBy(() -> store.barrier("broken-by-other", 3, SHORT))
                .isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("2 of 3");
        assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(KVStoreTimeoutException.class)
                .hasMessageContaining("barrier 'broken-by-other' broke")
                .hasMessageContaining("never pass");
    }

    /**
     * A timeout and the last arrival race for the outcome: whichever settles it first decides for both, so the two
     * parties always share the outcome. The rounds stagger the last arrival around the first one's timeout, so both
     * orders happen.
     */
    @Test
    void aTimeoutRacingTheLastArrivalNeverLetsOnePartyPassAlone() throws Exception {
        KVStore other = peer();
        Duration timeout = Duration.ofMillis(300);
        for (int round = 0; round < 8; round++) {
            String name = "race-" + round;
            Future<Boolean> first = async(() -> passes(() -> store.barrier(name, 2, timeout)));
            // Deliberate stagger (not synchronisation): 200..410 ms, around the first party's timeout.
            TimeUnit.MILLISECONDS.sleep(200 + 30L * round);
            boolean second = passes(() -> other.barrier(name, 2, LONG));
            assertThat(first.get(30, TimeUnit.SECONDS)).as("round %d: both parties see one outcome", round)
                    .isEqualTo(second);
        }
    }

    /**
     * @return whether the barrier call passed; {@code false} if it broke during the call (timeout) or before it
     *     (conflict); anything else fails the test
     */
    private static boolean passes(Runnable barrierCall) {
        try {
            barrierCall.run();
            return true;
        } catch (KVStoreTimeoutException | KVStoreConflictException e) {
            return false;
        }
    }

    // --- close ---------------------------------------------------------------------------------------------------

    @Test
    void closedStoreRejectsCalls() {
        KVStore other = peer();
        other.close();
        other.close();
        assertThatThrownBy(() -> other.get("k")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeWithoutCleanupKeepsData() {
        KVStore other = peer();
        other.set("kept", "yes");
        other.close(false);
        assertThat(store.get("kept")).contains("yes");
    }

    // --- listing -------------------------------------------------------------------------------------------------

    @Test
    void capabilitiesAreOfferedExactlyWhereTheBackendHasThem() {
        assertThat(store.capability(KeyListing.class).isPresent()).as("KeyListing").isEqualTo(canListKeys());
        assertThat(store.capability(KeyWatches.class).isPresent()).as("KeyWatches").isEqualTo(canWatch());
        assertThat(store.capability(EphemeralKeys.class).isPresent()).as("EphemeralKeys").isEqualTo(hasLeases());
        assertThat(store.capability(Locks.class)).as("Locks: every backend has them").isPresent();
        KVStore view = store.withComponent("elsewhere");
        assertThat(view.capability(KeyListing.class).isPresent()).isEqualTo(canListKeys());
        assertThat(view.capability(KeyWatches.class).isPresent()).isEqualTo(canWatch());
        assertThatThrownBy(() -> store.capability(KVCapability.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ask for KeyListing, KeyWatches, EphemeralKeys or Locks");
        KVStore closed = peer();
        closed.close();
        assertThatThrownBy(() -> closed.capability(Locks.class)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void listKeysPagesThroughThePrefixInNaturalOrder() {
        if (!canListKeys()) {
            return; // not offered: asserted by capabilitiesAreOfferedExactlyWhereTheBackendHasThem
        }
        KeyListing listing = offered(store, KeyListing.class);
        for (String key : List.of("rank:10/addr", "rank:2/addr", "rank:1/addr", "rank:2/port", "other", "rank:")) {
            store.set(key, "v");
        }
        store.withComponent("elsewhere").set("rank:3/addr", "v");
        peer().withComponent("tensorbus").set("rank:0/addr", "v");

        List<String> seen = new ArrayList<>();
        String after = null;
        KeyPage page;
        int pages = 0;
        do {
            page = listing.listKeys("rank:", after, 2);
            assertThat(page.keys()).hasSizeLessThanOrEqualTo(2);
            seen.addAll(page.keys());
            after = page.continueAfter();
            pages++;
        } while (page.hasMore());

        assertThat(seen).containsExactly("rank:", "rank:0/addr", "rank:1/addr", "rank:2/addr", "rank:2/port",
                "rank:10/addr");
        assertThat(pages).isEqualTo(3);
        assertThat(listing.listKeys(null, null, 100).keys()).hasSize(7).contains("other");
        assertThat(listing.listKeys("rank:10", null, 100).keys()).containsExactly("rank:10/addr");
        assertThat(listing.listKeys("nothing", null, 100)).isEqualTo(new KeyPage(List.of(), false));
        assertThat(offered(store.withComponent("elsewhere"), KeyListing.class).listKeys("", null, 10).keys())
                .containsExactly("rank:3/addr");
        assertThatThrownBy(() -> listing.listKeys("", null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- locks ---------------------------------------------------------------------------------------------------

    @Test
    void lockExcludesOtherProcessesAndThreads() throws Exception {
        KVStore other = peer();
        int perThread = 25;
        List<Future<?>> workers = new ArrayList<>();
        for (KVStore process : List.of(store, other, store, other)) {
            workers.add(async(() -> {
                KVLock lock = locks(process).lock("counter");
                for (int i = 0; i < perThread; i++) {
                    try (KVLock.Hold hold = lock.acquire(LONG)) {
                        assertThat(hold.isValid()).isTrue();
                        long seen = process.get("count").map(Long::parseLong).orElse(0L);
                        process.set("count", Long.toString(seen + 1)); // not atomic: only the lock keeps it exact
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get(120, TimeUnit.SECONDS);
        }
        assertThat(store.get("count")).contains(Integer.toString(4 * perThread));
    }

    @Test
    void lockIsReentrantPerThreadAndTimesOutForOthers() throws Exception {
        KVLock lock = locks(store).lock("reentrant");
        assertThat(locks(store).lock("reentrant")).isSameAs(lock);
        KVLock contender = locks(peer()).lock("reentrant");
        try (KVLock.Hold outer = lock.acquire(LONG)) {
            try (KVLock.Hold inner = lock.acquire(Duration.ZERO)) {
                assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
                assertThat(lock.isHeldByCurrentThread()).isTrue();
            }
            assertThat(lock.isHeldByCurrentThread()).as("still held after the inner release").isTrue();
            assertThat(async(() -> contender.tryAcquire(SHORT)).get(30, TimeUnit.SECONDS)).isEmpty();
            assertThat(async(() -> lock.tryAcquire(SHORT)).get(30, TimeUnit.SECONDS))
                    .as("another thread of the same process").isEmpty();
            assertThatThrownBy(() -> contender.acquire(SHORT))
                    .isInstanceOf(KVStoreTimeoutException.class)
                    .hasMessageContaining("'reentrant'")
                    .hasMessageContaining("held by");
        }
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThat(async(() -> {
            try (KVLock.Hold taken = contender.acquire(LONG)) {
                return taken.isValid();
            }
        }).get(30, TimeUnit.SECONDS)).as("the other process gets it once released").isTrue();
    }

    @Test
    void lockFencingTokensGrowWithEveryNewHolder() {
        KVStore other = peer();
        long last = 0;
        for (int i = 0; i < 6; i++) {
            KVLock lock = locks(i % 2 == 0 ? store : other).lock("fenced");
            try (KVLock.Hold hold = lock.acquire(LONG)) {
                assertThat(hold.fencingToken()).isGreaterThan(last);
                last = hold.fencingToken();
            }
        }
    }

    @Test
    void lockHoldIsClosedByTheAcquiringThreadOnly() throws Exception {
        KVLock.Hold hold = locks(store).lock("owned").acquire(LONG);
        Future<?> foreign = async(() -> {
            hold.close();
            return null;
        });
        assertThatThrownBy(() -> foreign.get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalMonitorStateException.class);
        hold.close();
        hold.close();
        assertThat(hold.isValid()).isFalse();
        assertThat(locks(peer()).lock("owned").tryAcquire(LONG)).isPresent();
    }

    /** The compare-and-set lock uses only the core interface, so it works on every store, elections included. */
    @Test
    void theCompareAndSetLockRecipeWorksOnEveryStore() {
        Locks recipe = CompareAndSetLock.locks(store);
        KVLock lock = recipe.lock("cas");
        assertThat(recipe.lock("cas")).as("one lock per name").isSameAs(lock);
        KVLock contender = CompareAndSetLock.locks(peer()).lock("cas");
        long first;
        try (KVLock.Hold hold = lock.acquire(LONG)) {
            first = hold.fencingToken();
            assertThat(hold.isValid()).isTrue();
            assertThat(contender.tryAcquire(Duration.ZERO)).as("held by the other store").isEmpty();
        }
        try (KVLock.Hold next = contender.acquire(LONG)) {
            assertThat(next.fencingToken()).isGreaterThan(first);
        }
        Recorder recorder = new Recorder();
        try (KVElection election = recipe.elect("cas-leader", recorder)) {
            await().atMost(LONG).until(election::isLeader);
            assertThat(recorder.events).containsExactly("granted " + election.term().orElseThrow());
        }
    }

    // --- ephemeral keys ------------------------------------------------------------------------------------------

    @Test
    void ephemeralKeysAreVisibleToOthersAndGoWithTheirOwner() {
        if (!hasLeases()) {
            return; // not offered: asserted by capabilitiesAreOfferedExactlyWhereTheBackendHasThem
        }
        KVStore owner = peer();
        offered(owner, EphemeralKeys.class).setEphemeral("member", "1");
        assertThat(store.get("member")).contains("1");
        owner.close();
        assertThat(store.exists("member")).as("gone with its owner's lease").isFalse();
    }

    // --- leader election -----------------------------------------------------------------------------------------

    /** Records a candidate's leadership events. */
    static final class Recorder implements KVElection.Listener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void granted(long term) {
            events.add("granted " + term);
        }

        @Override
        public void revoked(long term) {
            events.add("revoked " + term);
        }
    }

    @Test
    void electionHasOneLeaderAndHandsOverWhenItResigns() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        KVElection a = locks(store).elect("scheduler", first);
        await().atMost(LONG).until(a::isLeader);
        try (KVElection b = locks(peer()).elect("scheduler", second)) {
            long firstTerm = a.term().orElseThrow();
            assertThat(first.events).containsExactly("granted " + firstTerm);
            await().during(Duration.ofMillis(500)).atMost(LONG).until(() -> !b.isLeader());
            assertThat(second.events).isEmpty();

            a.close();
            assertThat(a.isLeader()).isFalse();
            assertThat(first.events).containsExactly("granted " + firstTerm, "revoked " + firstTerm);
            await().atMost(LONG).until(b::isLeader);
            assertThat(b.term().orElseThrow()).isGreaterThan(firstTerm);
            assertThat(second.events).containsExactly("granted " + b.term().orElseThrow());
        }
        assertThat(second.events).hasSize(2).last().asString().startsWith("revoked ");
    }

    // --- watches -------------------------------------------------------------------------------------------------

    @Test
    void watchDeliversStateAndChangesOrIsClearlyRefused() {
        KVWatch.Listener ignore = new KVWatch.Listener() {
            @Override
            public void onReset(java.util.Map<String, byte[]> state, long revision, String reason) {
            }

            @Override
            public void onChanges(List<KVWatch.Change> changes) {
            }
        };
        if (!canWatch()) {
            return; // not offered: asserted by capabilitiesAreOfferedExactlyWhereTheBackendHasThem
        }
        store.set("w/before", "1");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        try (KVWatch watch = offered(store, KeyWatches.class).watch("w/", recordingInto(seen))) {
            assertThat(watch.prefix()).isEqualTo("w/");
            await().atMost(LONG).until(() -> !seen.isEmpty());
            peer().set("w/after", "2");
            peer().delete("w/before");
            await().atMost(LONG).until(() -> seen.size() == 3);
            assertThat(seen).containsExactly("reset [w/before]", "PUT w/after", "DELETE w/before");
        }
    }

    /** @return a listener adding {@code "reset [keys]"}, {@code "PUT key"} and {@code "DELETE key"} to the list */
    private static KVWatch.Listener recordingInto(List<String> seen) {
        return new KVWatch.Listener() {
            @Override
            public void onReset(java.util.Map<String, byte[]> state, long revision, String reason) {
                seen.add("reset " + state.keySet());
            }

            @Override
            public void onChanges(List<KVWatch.Change> changes) {
                changes.forEach(change -> seen.add(change.type() + " " + change.key()));
            }
        };
    }

    @Test
    void aWatchSeesTheEphemeralKeysOfAClosedOwnerDeleted() {
        if (!canWatch() || !hasLeases()) {
            return; // each refusal is covered above
        }
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        try (KVWatch watch = offered(store, KeyWatches.class).watch("members/", recordingInto(seen))) {
            await().atMost(LONG).until(() -> !seen.isEmpty());
            KVStore owner = peer();
            offered(owner, EphemeralKeys.class).setEphemeral("members/a", "1");
            offered(owner.withComponent(store.component()), EphemeralKeys.class).setEphemeral("members/b", "2");
            await().atMost(LONG).until(() -> seen.size() == 3);
            owner.close();
            await().atMost(LONG).until(() -> seen.size() == 5);
            assertThat(seen).startsWith("reset []", "PUT members/a", "PUT members/b")
                    .containsOnlyOnce("DELETE members/a", "DELETE members/b");
        }
    }

    @Test
    void closingTheStoreRevokesAndEndsItsCampaign() {
        KVStore process = peer();
        Recorder recorder = new Recorder();
        String name = "closing-" + System.nanoTime();
        KVElection election = locks(process).elect(name, recorder);
        await().atMost(LONG).until(election::isLeader);
        process.close();
        await().atMost(LONG).until(() -> recorder.events.size() == 2);
        assertThat(recorder.events.get(1)).startsWith("revoked ");
        assertThat(election.isLeader()).isFalse();
        await().atMost(LONG).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("kvstore-election-" + name)));
    }
}
