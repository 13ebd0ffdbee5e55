package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NaturalOrderTest {

    @Test
    void ranksSortByNumber() {
        List<String> keys = new ArrayList<>(List.of("rank:10", "rank:2", "rank:1", "rank:0", "rank:100", "rank:11"));
        keys.sort(NaturalOrder.INSTANCE);
        assertThat(keys).containsExactly("rank:0", "rank:1", "rank:2", "rank:10", "rank:11", "rank:100");
    }

    @Test
    void mixedSegmentsAndEdgeCases() {
        List<String> keys = new ArrayList<>(List.of("n2/r10", "n2/r9", "n10/r1", "n2", "a", "007", "7", "99999999999999999999999"));
        keys.sort(NaturalOrder.INSTANCE);
        assertThat(keys).containsExactly("007", "7", "99999999999999999999999", "a", "n2", "n2/r9", "n2/r10", "n10/r1");
    }

    @Test
    void isConsistentWithEquals() {
        assertThat(NaturalOrder.INSTANCE.compare("rank:07", "rank:7")).isNotZero();
        assertThat(NaturalOrder.INSTANCE.compare("x", "x")).isZero();
    }
}
