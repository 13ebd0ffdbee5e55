package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PrintableTest {

    @Test
    void shortValuesAreShownWhole() {
        assertThat(Printable.of("rank:0 ready".getBytes(StandardCharsets.UTF_8))).isEqualTo("rank:0 ready");
        assertThat(Printable.of("größe")).isEqualTo("größe");
    }

    @Test
    void longValuesAreCutAndSayTheirSize() {
        String shown = Printable.of(new byte[1000]).replace("\\x00", "0");
        assertThat(shown).isEqualTo("0".repeat(Printable.SHOWN_BYTES) + "...(1000 bytes)");
        assertThat(Printable.of("abcdef".getBytes(StandardCharsets.UTF_8), 3)).isEqualTo("abc...(6 bytes)");
    }

    @Test
    void controlCharactersAreEscapedSoThatNoLogLineCanBeForged() {
        assertThat(Printable.of("a\nINFO forged\r\u0007")).isEqualTo("a\\x0aINFO forged\\x0d\\x07");
    }
}
