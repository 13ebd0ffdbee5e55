package dev.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyPatternTest {

    @Test
    void starMatchesAnyRunIncludingSlashes() {
        KeyPattern pattern = KeyPattern.compile("pair:foo/rank:*/ready");
        assertThat(pattern.matches("pair:foo/rank:0/ready")).isTrue();
        assertThat(pattern.matches("pair:foo/rank:10/ready")).isTrue();
        assertThat(pattern.matches("pair:foo/rank:a/b/ready")).isTrue();
        assertThat(pattern.matches("pair:foo/rank:/ready")).isTrue();
        assertThat(pattern.matches("pair:foo/rank:0/ready/x")).isFalse();
        assertThat(pattern.matches("pair:bar/rank:0/ready")).isFalse();
        assertThat(pattern.literalPrefix()).isEqualTo("pair:foo/rank:");
    }

    @Test
    void regexCharactersAreLiteral() {
        KeyPattern pattern = KeyPattern.compile("a.b+(c)?[d]$*");
        assertThat(pattern.matches("a.b+(c)?[d]$tail")).isTrue();
        assertThat(pattern.matches("aXb+(c)?[d]$")).isFalse();
        assertThat(KeyPattern.compile("exact").matches("exact")).isTrue();
        assertThat(KeyPattern.compile("exact").literalPrefix()).isEqualTo("exact");
        assertThat(KeyPattern.compile("**").matches("")).isTrue();
    }

    @Test
    void emptyPatternIsRejected() {
        assertThatThrownBy(() -> KeyPattern.compile("")).isInstanceOf(IllegalArgumentException.class);
    }
}
