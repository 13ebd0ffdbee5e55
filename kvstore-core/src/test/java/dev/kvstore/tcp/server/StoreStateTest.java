package dev.kvstore.tcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.internal.DecimalText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Pure store logic that the socket tests reach only slowly: wait reports, queue wake-ups, decimal parsing. */
class StoreStateTest {

    private final StoreState store = new StoreState();

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void longWaitReportNamesTheMostAwaitedMissingKeys() throws ProtocolViolation {
        Connection a = connection("a");
        Connection b = connection("b");
        store.waiters().await(a, List.of("/rank/7", "/present"));
        store.waiters().await(b, List.of("/rank/7"));
        store.waiters().await(b, List.of("/rank/9"));
        store.set("/present", utf8("x"));

        assertThat(LongWaitReport.describe(store.waiters(), System.nanoTime(), 0))
                .contains("2 missing key(s)")
                .contains("'/rank/7' (2)")
                .contains("'/rank/9' (1)");
        assertThat(LongWaitReport.describe(store.waiters(), System.nanoTime(), Long.MAX_VALUE / 2)).isNull();
        assertThat(store.waiters().waiterCount()).isEqualTo(3);

        store.waiters().cancelWaits(b, ServerSnapshot.EndedWait.Outcome.CANCELLED);
        assertThat(store.waiters().waiterCount()).isEqualTo(1);
        store.forget(a);
        assertThat(store.waiters().waiterCount()).isZero();
        assertThat(LongWaitReport.describe(store.waiters(), System.nanoTime(), 0)).isNull();
    }

    @Test
    void aQueuePushWakesOneWaiterPreferringOneThatWaitsForNothingElse() throws ProtocolViolation {
        Connection both = connection("both");
        Connection onlyQueue = connection("only-queue");
        Connection second = connection("second");
        store.waiters().await(both, List.of("/q", "/other"));
        store.waiters().await(onlyQueue, List.of("/q"));
        store.waiters().await(second, List.of("/q"));

        store.queuePush("/q", utf8("item"));
        assertThat(onlyQueue.waits).isEmpty();
        assertThat(second.waits).hasSize(1);
        assertThat(both.waits).hasSize(1);
        assertThat(store.waiters().waiterCount()).isEqualTo(2);
    }

    @Test
    void storedBytesFollowEveryWriteAndReturnToZero() throws ProtocolViolation {
        store.set("/a", utf8("12345"));
        assertThat(store.storedBytes()).isEqualTo(2 + 5);
        store.set("/a", utf8("1"));
        store.append("/a", utf8("23"));
        assertThat(store.storedBytes()).isEqualTo(2 + 3);
        store.add("/n", 41);
        store.compareSet("/c", new byte[0], utf8("xy"));
        store.multiSet(List.of("/m", "/m", "/a"), List.of(utf8("1"), utf8("123"), utf8("")));
        assertThat(store.storedBytes()).isEqualTo((2 + 0) + (2 + 2) + (2 + 2) + (2 + 3));
        store.queuePush("/q", utf8("abc"));
        store.queuePush("/q", utf8("de"));
        assertThat(store.storedBytes()).isEqualTo(15 + 2 + 5);
        store.queuePop("/q");
        store.queuePop("/q");
        for (String key : store.listKeys()) {
            store.delete(key);
        }
        assertThat(store.storedBytes()).isZero();
    }

    @Test
    void theStoreLimitRefusesAWholeMultiSetButNotAShrinkingWrite() throws ProtocolViolation {
        StoreState small = new StoreState(new ServerLimits(64, 64, 8, 1024, 20));
        small.set("/k", new byte[10]);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> small.multiSet(List.of("/x", "/y"), List.of(new byte[1], new byte[5])))
                .isInstanceOf(ProtocolViolation.class).hasMessageContaining("store limit of 20");
        assertThat(small.get("/x")).as("all or nothing").isNull();
        small.set("/k", new byte[1]);
        assertThat(small.storedBytes()).isEqualTo(3);
    }

    @Test
    void pendingWaitsAreChargedToTheirConnectionUntilAnswered() throws ProtocolViolation {
        StoreState limited = new StoreState(new ServerLimits(64, 64, 8, 300, 1024));
        Connection client = connection("c");
        limited.waiters().await(client, List.of("/a", "/b"));
        assertThat(client.heldBytes).isEqualTo(64 + (2 + 64) * 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> limited.waiters().await(client, List.of("/c")))
                .isInstanceOf(ProtocolViolation.class);
        limited.set("/a", utf8("1"));
        limited.set("/b", utf8("1"));
        assertThat(client.heldBytes).isZero();
        limited.waiters().await(client, List.of("/c"));
        limited.waiters().cancelWaits(client, ServerSnapshot.EndedWait.Outcome.CANCELLED);
        assertThat(client.heldBytes).isZero();
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
        return new Connection(null, null, name, null, c -> { }, new java.util.concurrent.atomic.LongAdder());
    }
}
