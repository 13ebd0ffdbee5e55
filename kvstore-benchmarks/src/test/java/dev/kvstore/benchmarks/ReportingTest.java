package dev.kvstore.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's parsing of the Python scripts' results and its tables (no benchmark runs here). */
class ReportingTest {

    @Test
    void readsNumbersAndArraysFromAResultLine() {
        Json json = new Json("{\"ops\": 244960, \"seconds\": 3.43, \"p50_us\": 2.5e1, \"all\": [0.11, 0.05]}");

        assertThat(json.number("ops")).isEqualTo(244960);
        assertThat(json.number("seconds")).isEqualTo(3.43);
        assertThat(json.number("p50_us")).isEqualTo(25.0);
        assertThat(json.numbers("all")).containsExactly(0.11, 0.05);
        assertThatThrownBy(() -> json.number("missing")).hasMessageContaining("missing");
    }

    @Test
    void percentilesAndMedian() {
        Stats stats = Stats.of(new long[] {5_000, 1_000, 3_000, 2_000, 4_000}, 2.0);

        assertThat(stats.p50Micros()).isEqualTo(3.0);
        assertThat(stats.p99Micros()).isEqualTo(5.0);
        assertThat(stats.opsPerSecond()).isEqualTo(2.5);
        assertThat(Stats.median(new double[] {9, 1, 5})).isEqualTo(5);
    }

    @Test
    void timesEveryCallThenSettles() {
        int[] calls = {0};
        boolean[] settled = {false};

        Stats stats = Stats.time(20, () -> calls[0]++, () -> settled[0] = calls[0] == 20);

        assertThat(calls[0]).isEqualTo(20);
        assertThat(settled[0]).isTrue();
        assertThat(stats.opsPerSecond()).isPositive();
        assertThat(stats.p99Micros()).isGreaterThanOrEqualTo(stats.p50Micros());
    }

    @Test
    void markdownTable() {
        Table table = new Table("Op", "ops/s");
        table.row("set", 12);

        assertThat(table.markdown()).isEqualTo("| Op | ops/s |\n|---|---|\n| set | 12 |\n");
    }

    @Test
    void aRunReplacesTheBlocksOfItsSuitesAndKeepsTheOthers() throws Exception {
        String earlier = "# Benchmarks\n\n<!-- suite:server -->\nold server table\n<!-- /suite:server -->\n\n"
                + "<!-- suite:scale -->\nold scale table\n<!-- /suite:scale -->\n\n## Notes\n";
        Report report = new Report();
        report.suite("scale");
        report.target("new target: met");
        Table table = new Table("Ranks");
        table.row(16384);
        report.section("Rendezvous", "new text", table);

        String page = report.document(List.of("server", "barrier", "scale"), earlier, "java -jar x.jar --only=scale",
                Duration.ofSeconds(61), false, "- machine\n");

        assertThat(page).contains("<!-- suite:server -->\nold server table\n<!-- /suite:server -->")
                .doesNotContain("old scale table").doesNotContain("suite:barrier")
                .contains("- new target: met").contains("| 16384 |").contains("by `java -jar x.jar --only=scale`");
        assertThat(page.indexOf("old server table")).isLessThan(page.indexOf("new text"));
        assertThat(Report.kept(page, "scale")).startsWith("<!-- suite:scale -->").endsWith("<!-- /suite:scale -->");
    }
}
