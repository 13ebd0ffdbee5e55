package dev.kvstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The rule of PyTorch's master (std::stoll), as observed with torch 1.13 and 2.6 peers. */
class DecimalTextTest {

    @Test
    void readsTheLeadingNumberAndIgnoresWhatFollows() {
        assertThat(parse("5abc")).hasValue(5);
        assertThat(parse(" 7")).hasValue(7);
        assertThat(parse("\t\n+3")).hasValue(3);
        assertThat(parse("-2x")).hasValue(-2);
        assertThat(parse("0x10")).hasValue(0);
        assertThat(parse("42\n")).hasValue(42);
    }

    @Test
    void noDigitIsNoNumber() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("abc")).isEmpty();
        assertThat(parse("-")).isEmpty();
        assertThat(parse(" + 1")).isEmpty();
    }

    @Test
    void theWholeSigned64BitRangeParsesAndNothingBeyond() {
        assertThat(parse(Long.toString(Long.MAX_VALUE))).hasValue(Long.MAX_VALUE);
        assertThat(parse(Long.toString(Long.MIN_VALUE))).hasValue(Long.MIN_VALUE);
        assertThat(parse("9223372036854775808")).isEmpty();
        assertThat(parse("-9223372036854775809")).isEmpty();
        assertThat(parse("99999999999999999999")).isEmpty();
    }

    @Test
    void formatsAsPlainAsciiDecimal() {
        assertThat(new String(DecimalText.format(-12), StandardCharsets.US_ASCII)).isEqualTo("-12");
        assertThat(DecimalText.parse(DecimalText.format(Long.MIN_VALUE))).hasValue(Long.MIN_VALUE);
    }

    private static OptionalLong parse(String text) {
        return DecimalText.parse(text);
    }
}
