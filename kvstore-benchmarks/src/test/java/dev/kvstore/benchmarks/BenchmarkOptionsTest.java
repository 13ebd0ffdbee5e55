package dev.kvstore.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The harness's command line and its suite registry (no benchmark runs here). */
class BenchmarkOptionsTest {

    @Test
    void defaultsRunEverySuiteWithEveryClientAndWriteTheDocs() {
        BenchmarkOptions options = BenchmarkOptions.parse();

        assertThat(options.suites()).containsExactlyElementsOf(Suites.names())
            .startsWith("server", "barrier", "client", "etcd", "memory");
        assertThat(options.clients()).containsExactly("java", "torch1.13", "torch2.6");
        assertThat(options.quick()).isFalse();
        assertThat(options.write()).isTrue();
        assertThat(options.out()).isEqualTo(Path.of("docs", "benchmarks.md"));
        assertThat(options.command()).isEqualTo("java -jar kvstore-benchmarks/target/kvstore-benchmarks.jar");
        assertThat(options.seconds()).isEqualTo(3.0);
        assertThat(options.netns()).isFalse();
        assertThat(options.jfr()).isNull();
    }

    @Test
    void theScaleSuiteTakesSizesMastersARecordingDirectoryAndANamespace() {
        BenchmarkOptions options = BenchmarkOptions.parse("--only=scale", "--sizes=1024,98304",
                "--masters=java,torch2.6", "--jfr=/tmp/profiles", "--netns");

        assertThat(options.sizes()).containsExactly(1024, 98_304);
        assertThat(options.masters()).containsExactly("java", "torch2.6");
        assertThat(options.jfr()).isEqualTo(Path.of("/tmp/profiles"));
        assertThat(options.netns()).isTrue();
    }

    @Test
    void optionsSelectSuitesClientsAndOutput() {
        BenchmarkOptions options = BenchmarkOptions.parse("--quick", "--only=etcd,server", "--clients=java",
                "--no-write", "--pin", "--out=/tmp/b.md");

        assertThat(options.suites()).containsExactly("etcd", "server");
        assertThat(options.clients()).containsExactly("java");
        assertThat(options.quick()).isTrue();
        assertThat(options.warmup()).isEqualTo(0.3);
        assertThat(options.write()).isFalse();
        assertThat(options.pin()).isTrue();
        assertThat(options.out()).isEqualTo(Path.of("/tmp/b.md"));
        assertThat(options.command()).endsWith("kvstore-benchmarks.jar --quick --only=etcd,server --clients=java "
                + "--no-write --pin --out=/tmp/b.md");
    }

    @Test
    void unknownNamesAndArgumentsAreRefusedWithWhatIsAllowed() {
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--only=server,disk"))
                .withMessageContaining(Suites.names().toString()).withMessageContaining("disk");
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--clients=torch3"))
                .withMessageContaining("torch1.13");
        assertThatThrownBy(() -> BenchmarkOptions.parse("--fast")).isInstanceOf(BenchmarkOptions.UsageException.class)
                .hasMessageStartingWith("usage:").matches(e -> !((BenchmarkOptions.UsageException) e).help());
        assertThatThrownBy(() -> BenchmarkOptions.parse("--help"))
                .matches(e -> ((BenchmarkOptions.UsageException) e).help());
    }

    @Test
    void everySuiteHasItsOwnNameAndTheTcpStoreSuitesShareTheMasters() {
        assertThat(Suites.names()).doesNotHaveDuplicates();
        assertThat(Suites.ALL).filteredOn(Suite::needsTcpStoreMasters).extracting(Suite::name)
            .containsExactly("server", "barrier", "client");
    }
}
