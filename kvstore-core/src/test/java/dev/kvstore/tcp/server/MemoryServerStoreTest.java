package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.internal.DecimalText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The store in memory and the waits it wakes, without sockets: what the socket tests reach only slowly (wait reports,
 * queue wake-ups, stored bytes, the store limit, decimal parsing).
 */
class MemoryServerStoreTest {

    private final MemoryServerStore store = new MemoryServerStore(ServerLimits.defaults(), new MemoryBudget(1L << 30));
    private final KeyWaiters waiters = open(store, ServerLimits.defaults());

    /** @return the waits of a server whose store this is, woken by its changes */
    private static KeyWaiters open(MemoryServerStore store, ServerLimits limits) {
        return open(store, limits, new MemoryBudget(1L << 30));
    }

    private static KeyWaiters open(MemoryServerStore store, ServerLimits limits, MemoryBudget budget) {
        KeyWaiters waiters = new KeyWaiters(limits, budget);
        store.open(new Wakeups(store, waiters, null));
        return waiters;
    }

    /** WAIT as the command handler serves it on the store in memory: read and registered in one step. */
    private static void await(MemoryServerStore store, KeyWaiters waiters, Connection client, List<String> keys)
            throws ProtocolViolation {
        waiters.await(client, keys, store.present(keys).toCompletableFuture().join());
    }

    private void await(Connection client, List<String> keys) throws ProtocolViolation {
        await(store, waiters, client, keys);
    }

    /** @return the update that sets the value to {@code value} */
    private static ServerStore.Update<Boolean> setTo(byte[] value) {
        return current -> ServerStore.Update.Result.set(value, Boolean.TRUE);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void longWaitReportNamesTheMostAwaitedMissingKeys() throws ProtocolViolation {
        Connection a = connection("a");
        Connection b = connection("b");
        await(a, List.of("/rank/7", "/present"));
        await(b, List.of("/rank/7"));
        await(b, List.of("/rank/9"));
        store.set("/present", utf8("x"));

        assertThat(LongWaitReport.describe(waiters, System.nanoTime(), 0))
                .contains("2 missing key(s)")
                .contains("'/rank/7' (2)")
                .contains("'/rank/9' (1)");
        assertThat(LongWaitReport.describe(waiters, System.nanoTime(), Long.MAX_VALUE / 2)).isNull();
        assertThat(waiters.waiterCount()).isEqualTo(3);

        waiters.cancelWaits(b, ServerSnapshot.EndedWait.Outcome.CANCELLED);
        assertThat(waiters.waiterCount()).isEqualTo(1);
        waiters.forget(a);
        assertThat(waiters.waiterCount()).isZero();
        assertThat(LongWaitReport.describe(waiters, System.nanoTime(), 0)).isNull();
    }

    @Test
    void aQueuePushWakesOneWaiterPreferringOneThatWaitsForNothingElse() throws ProtocolViolation {
        Connection both = connection("both");
        Connection onlyQueue = connection("only-queue");
        Connection second = connection("second");
        await(both, List.of("/q", "/other"));
        await(onlyQueue, List.of("/q"));
        await(second, List.of("/q"));

        store.queuePush("/q", utf8("item"));
        assertThat(onlyQueue.waits).isEmpty();
        assertThat(second.waits).hasSize(1);
        assertThat(both.waits).hasSize(1);
        assertThat(waiters.waiterCount()).isEqualTo(2);
    }

    @Test
    void aQueueItemPresentWhenAWaitArrivesWakesThatWaitOnly() throws ProtocolViolation {
        Connection early = connection("early");
        Connection late = connection("late");
        await(early, List.of("/q"));
        await(connection("still-waiting"), List.of("/q"));
        store.queuePush("/q", utf8("item")); // wakes the first wait
        await(late, List.of("/q"));
        assertThat(late.waits).as("the item is there: answered at once").isEmpty();
        assertThat(early.waits).isEmpty();
        assertThat(waiters.waiterCount()).as("the second wait still waits for an item of its own").isEqualTo(1);
    }

    @Test
    void storedBytesFollowEveryWriteAndReturnToZero() throws ProtocolViolation {
        store.set("/a", utf8("12345"));
        assertThat(store.storedBytes()).isEqualTo(2 + 5);
        store.set("/a", utf8("1"));
        store.update("/a", setTo(utf8("123")));
        assertThat(store.storedBytes()).isEqualTo(2 + 3);
        store.update("/n", setTo(utf8("41")));
        store.update("/c", current -> ServerStore.Update.Result.unchanged(Boolean.FALSE));
        store.update("/c", setTo(utf8("xy")));
        store.setAll(List.of("/m", "/m", "/a"), List.of(utf8("1"), utf8("123"), utf8("")));
        assertThat(store.storedBytes()).isEqualTo((2 + 0) + (2 + 2) + (2 + 2) + (2 + 3));
        store.queuePush("/q", utf8("abc"));
        store.queuePush("/q", utf8("de"));
        assertThat(store.storedBytes()).isEqualTo(15 + 2 + 5);
        store.queuePop("/q");
        store.queuePop("/q");
        for (String key : store.keys().toCompletableFuture().join()) {
            store.delete(key);
        }
        assertThat(store.storedBytes()).isZero();
    }

    @Test
    void theStoreLimitRefusesAWholeMultiSetButNotAShrinkingWrite() throws ProtocolViolation {
        MemoryServerStore small = new MemoryServerStore(new ServerLimits(64, 64, 8, 1024, 20), new MemoryBudget(1L << 30));
        open(small, ServerLimits.defaults());
        small.set("/k", new byte[10]);
        org.assertj.core.api.Assertions.assertThat(
                small.setAll(List.of("/x", "/y"), List.of(new byte[1], new byte[5])).toCompletableFuture())
                .failsWithin(java.time.Duration.ZERO).withThrowableThat().havingCause()
                .isInstanceOf(ProtocolViolation.class).withMessageContaining("store limit of 20");
        assertThat(small.get("/x").toCompletableFuture().join()).as("all or nothing").isNull();
        assertThat(small.set("/k", new byte[1]).toCompletableFuture()).isCompleted();
        assertThat(small.storedBytes()).isEqualTo(3);
    }

    @Test
    void aWriteThatWouldPassTheKeyLimitStoresNothing() throws ProtocolViolation {
        ServerLimits twoKeys = new ServerLimits(64, 64, 8, 1024, 1024, 2, ServerLimits.DEFAULT_MAX_PENDING_BYTES,
                ServerLimits.DEFAULT_PARTIAL_REQUEST_TIMEOUT.toNanos(), 1L << 30);
        MemoryServerStore small = new MemoryServerStore(twoKeys, new MemoryBudget(1L << 30));
        open(small, twoKeys);
        small.set("/a", new byte[1]);
        small.queuePush("/q", new byte[1]);
        org.assertj.core.api.Assertions.assertThat(small.set("/b", new byte[1]).toCompletableFuture())
                .failsWithin(java.time.Duration.ZERO).withThrowableThat().havingCause()
                .isInstanceOf(ProtocolViolation.class)
                .withMessageContaining("key limit of 2").withMessageContaining("kvstore.tcp.server.max-keys");
        assertThat(small.get("/b").toCompletableFuture().join()).as("nothing stored").isNull();
        assertThat(small.set("/a", new byte[5]).toCompletableFuture()).as("an existing key may change").isCompleted();
        assertThat(small.queuePush("/q", new byte[1]).toCompletableFuture()).as("so may an existing queue")
                .isCompleted();
        small.delete("/a");
        assertThat(small.set("/b", new byte[1]).toCompletableFuture()).as("room again after a delete").isCompleted();
    }

    @Test
    void pendingWaitsAreChargedToTheirConnectionUntilAnswered() throws ProtocolViolation {
        ServerLimits limits = new ServerLimits(64, 64, 8, 300, 1024);
        MemoryServerStore limited = new MemoryServerStore(limits, new MemoryBudget(1L << 30));
        KeyWaiters limitedWaits = open(limited, limits);
        Connection client = connection("c");
        await(limited, limitedWaits, client, List.of("/a", "/b"));
        assertThat(client.heldBytes).isEqualTo(64 + (2 + 64) * 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> await(limited, limitedWaits, client, List.of("/c")))
                .isInstanceOf(ProtocolViolation.class);
        limited.set("/a", utf8("1"));
        limited.set("/b", utf8("1"));
        assertThat(client.heldBytes).isZero();
        await(limited, limitedWaits, client, List.of("/c"));
        limitedWaits.cancelWaits(client, ServerSnapshot.EndedWait.Outcome.CANCELLED);
        assertThat(client.heldBytes).isZero();
    }

    @Test
    void pendingWaitsAreChargedToTheMemoryBudgetAndRefusedPastIt() throws ProtocolViolation {
        MemoryBudget budget = new MemoryBudget(1000);
        ServerLimits limits = ServerLimits.defaults();
        MemoryServerStore budgeted = new MemoryServerStore(limits, new MemoryBudget(1L << 30));
        KeyWaiters budgetedWaits = open(budgeted, limits, budget);
        Connection first = connection("first");
        await(budgeted, budgetedWaits, first, List.of("/a"));
        assertThat(budget.used()).as("the wait's charge").isEqualTo(64 + 2 + 64);
        Connection second = connection("second");
        List<String> many = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "/k" + i).toList();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(budgeted, budgetedWaits, second, many))
                .isInstanceOf(ProtocolViolation.class)
                .hasMessageContaining("memory budget of 1000").hasMessageContaining("kvstore.tcp.server.max-memory-size");
        assertThat(second.heldBytes).as("nothing held for the refused wait").isZero();
        budgeted.set("/a", utf8("1"));
        assertThat(budget.used()).as("given back when answered").isZero();
        await(budgeted, budgetedWaits, second, List.of("/b"));
        budgetedWaits.forget(second);
        assertThat(budget.used()).as("given back when its connection goes").isZero();
    }

    @Test
    void decimalTextParsesLikeStoll() {
        assertThat(DecimalText.parse(utf8("42"))).isEqualTo(OptionalLong.of(42));
        assertThat(DecimalText.parse(utf8("  -7"))).isEqualTo(OptionalLong.of(-7));
        assertThat(DecimalText.parse(utf8("+3xyz"))).isEqualTo(OptionalLong.of(3));
        assertThat(DecimalText.parse(utf8("-9223372036854775808"))).isEqualTo(OptionalLong.of(Long.MIN_VALUE));
        assertThat(DecimalText.parse(utf8("9223372036854775808"))).isEmpty();
        assertThat(DecimalText.parse(utf8(""))).isEmpty();
        assertThat(DecimalText.parse(utf8("abc"))).isEmpty();
        assertThat(DecimalText.parse(utf8("-"))).isEmpty();
    }

    /** A connection without a socket: enough for waits that are queued, not written. */
    private static Connection connection(String name) {
        return new Connection(null, null, name, null, new Connection.Loop() {
            @Override
            public void flushSoon(Connection connection) {
            }

            @Override
            public boolean admitReplies(Connection connection, long payload, long charge) {
                return true;
            }

            @Override
            public void repliesGone(long payload, long charge) {
            }
        });
    }
}
