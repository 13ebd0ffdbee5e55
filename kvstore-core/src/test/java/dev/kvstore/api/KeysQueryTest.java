package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeysQueryTest {

    @Test
    void defaultsToTheReadyValueAndNoCandidates() {
        KeysQuery query = KeysQuery.matching("rank:*", 4);
        assertThat(query.keyPattern()).isEqualTo("rank:*");
        assertThat(query.expectedCount()).isEqualTo(4);
        assertThat(query.value()).isEqualTo(KVStore.DEFAULT_READY_VALUE);
        assertThat(query.candidateKeys()).isNull();
        assertThat(query.pattern().matches("rank:10")).isTrue();
    }

    @Test
    void withMethodsReturnChangedCopies() {
        KeysQuery base = KeysQuery.matching("rank:*", 2);
        List<String> candidates = new ArrayList<>(List.of("rank:0", "rank:1"));
        KeysQuery changed = base.withAnyValue().withCandidates(candidates);
        candidates.add("rank:2");
        assertThat(changed.value()).isNull();
        assertThat(changed.candidateKeys()).as("copied when given").containsExactly("rank:0", "rank:1");
        assertThat(base.value()).isEqualTo("1");
        assertThat(changed.withValue("go").value()).isEqualTo("go");
        assertThat(changed).isEqualTo(KeysQuery.matching("rank:*", 2).withCandidates(List.of("rank:0", "rank:1"))
                .withAnyValue()).hasSameHashCodeAs(base.withCandidates(List.of("rank:0", "rank:1")).withAnyValue());
        assertThat(changed.toString()).isEqualTo("2 keys matching 'rank:*' among 2 candidates");
    }

    @Test
    void badQueriesFailWhenBuilt() {
        assertThatIllegalArgumentException().isThrownBy(() -> KeysQuery.matching("rank:*", 0))
                .withMessageContaining("at least 1");
        assertThatIllegalArgumentException().isThrownBy(() -> KeysQuery.matching("", 1))
                .withMessageContaining("pattern");
        assertThatIllegalArgumentException().isThrownBy(() -> KeysQuery.matching("rank:*", 1)
                .withCandidates(List.of("")));
    }
}
