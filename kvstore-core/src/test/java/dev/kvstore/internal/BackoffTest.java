package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesUpToTheMaximumAndStartsOverAfterReset() {
        Backoff backoff = new Backoff(Duration.ofNanos(10), Duration.ofNanos(50));
        assertThat(new long[] {backoff.nextNanos(), backoff.nextNanos(), backoff.nextNanos(), backoff.nextNanos()})
                .containsExactly(10, 20, 40, 50);
        backoff.reset();
        assertThat(backoff.nextNanos()).isEqualTo(10);
    }

    @Test
    void neverSleepsPastThePassedDeadline() throws InterruptedException {
        Backoff backoff = new Backoff(Duration.ofHours(1), Duration.ofHours(1));
        long start = System.nanoTime();
        backoff.sleep(Deadline.after(Duration.ZERO));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void refusesBoundsThatMakeNoBackoff() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .withMessageContaining("PT2S");
    }
}
