package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    @Test
    void aFarFutureTimeoutIsCappedInsteadOfOverflowing() {
        assertThat(Deadline.cappedNanos(ChronoUnit.FOREVER.getDuration())).isEqualTo(Deadline.CAP_NANOS);
        assertThat(Deadline.cappedNanos(Duration.ofDays(365 * 1000))).isEqualTo(Deadline.CAP_NANOS);
        Deadline never = Deadline.after(ChronoUnit.FOREVER.getDuration());
        assertThat(never.hasPassed()).isFalse();
        assertThat(never.nanosLeft()).isGreaterThan(Deadline.CAP_NANOS / 2);
    }

    @Test
    void ordinaryAndNegativeTimeouts() {
        assertThat(Deadline.cappedNanos(Duration.ofSeconds(3))).isEqualTo(3_000_000_000L);
        assertThat(Deadline.cappedNanos(Duration.ofSeconds(-3))).isZero();
        Deadline passed = Deadline.after(Duration.ofSeconds(-3));
        assertThat(passed.hasPassed()).isTrue();
        assertThat(passed.left()).isEqualTo(Duration.ZERO);
        Deadline later = Deadline.after(Duration.ofMinutes(10));
        assertThat(later.hasPassed()).isFalse();
        assertThat(later.left()).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(10));
    }
}
