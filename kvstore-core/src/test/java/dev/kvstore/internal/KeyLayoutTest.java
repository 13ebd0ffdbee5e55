package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyLayoutTest {

    @Test
    void buildsTheSeedLayout() {
        KeyLayout layout = KeyLayout.of("job1", "tensorbus");
        assertThat(layout.fullKey("rank:0/ready")).isEqualTo("job1/tensorbus/rank:0/ready");
        assertThat(layout.namespacePrefix()).isEqualTo("job1/");
        assertThat(layout.componentPrefix()).isEqualTo("job1/tensorbus/");
        assertThat(layout.relativeKey("job1/tensorbus/a/b")).isEqualTo("a/b");
        assertThat(layout.relativeKey("job1/other/a")).isNull();
        assertThat(layout.withComponent("data").fullKey("k")).isEqualTo("job1/data/k");
    }

    @Test
    void rejectsSegmentsThatWouldBreakTheLayout() {
        assertThatThrownBy(() -> KeyLayout.of("a/b", "c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("namespace").hasMessageContaining("a/b");
        assertThatThrownBy(() -> KeyLayout.of("a", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("component");
        assertThatThrownBy(() -> KeyLayout.of(null, "c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyLayout.of("a", "c").fullKey("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key");
    }
}
