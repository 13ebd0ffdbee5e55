package dev.kvstore.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackedResourcesTest {

    private final TrackedResources resources = new TrackedResources();
    private final List<String> closed = new ArrayList<>();

    @Test
    void closesLastTrackedFirstAndForgetsThem() throws Exception {
        resources.track(() -> closed.add("first"));
        AutoCloseable second = () -> closed.add("second");
        assertThat(resources.track(second)).isSameAs(second);

        resources.closeAll();
        resources.closeAll();

        assertThat(closed).containsExactly("second", "first");
    }

    @Test
    void closesEveryOneWhenSomeFailAndThrowsTheFirstFailureWithTheOthersSuppressed() {
        resources.track(() -> closed.add("first"));
        resources.track(() -> {
            throw new IOException("second failed");
        });
        resources.track(() -> {
            throw new IllegalStateException("third failed");
        });

        assertThatThrownBy(resources::closeAll)
                .isInstanceOf(IllegalStateException.class).hasMessage("third failed")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(s -> assertThat(s).hasMessage("second failed")));
        assertThat(closed).containsExactly("first");
    }
}
