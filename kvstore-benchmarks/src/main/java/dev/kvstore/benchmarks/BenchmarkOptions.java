package dev.kvstore.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The harness's command line: {@code [--quick] [--only=SUITES] [--clients=CLIENTS] [--pin] [--sizes=N,...]
 * [--masters=MASTERS] [--jfr=DIR] [--netns] [--out=docs/benchmarks.md | --no-write]}.
 *
 * @param quick short runs (noisier numbers)
 * @param write whether the report is written to {@code out}
 * @param pin whether the TCPStore masters and their loads run on separate CPUs
 * @param out where the report is written
 * @param suites the suites to run, by name, in the order of {@link Suites#ALL}
 * @param clients the kinds of clients of the server and barrier suites ({@link #CLIENTS})
 * @param sizes the scale suite's numbers of ranks ({@link #SIZES})
 * @param masters the scale suite's masters ({@link #MASTERS})
 * @param netns whether the harness runs in a network namespace of its own, its listen-queue limits raised
 *     ({@link NetworkNamespace})
 * @param jfr where the scale suite's Java masters write a Java Flight Recording per row, or null for none
 * @param command the command line, as the report shows it for reproducing the run
 */
record BenchmarkOptions(boolean quick, boolean write, boolean pin, Path out, Set<String> suites,
        Set<String> clients, List<Integer> sizes, List<String> masters, boolean netns, @Nullable Path jfr, String command) {

    /** The kinds of clients of the server and barrier suites. */
    static final List<String> CLIENTS = List.of("java", "torch1.13", "torch2.6");
    /** The masters of the scale suite. */
    static final List<String> MASTERS = List.of("java", "torch1.13", "torch2.6", "torchnewest", "gateways",
            "gateways-cluster");
    /**
     * The scale suite's numbers of ranks: 1K, 4K, 8K, 16K and the largest one master process can hold; then 32K, 64K
     * and 96K, which only gateways serve.
     */
    static final List<Integer> SIZES = List.of(1024, 4096, 8192, 16_384, ScaleSuite.LARGEST, 32_768, 65_536, 98_304);

    /** Thrown for {@code --help} and unknown arguments, with the usage text. */
    static final class UsageException extends IllegalArgumentException {
        private final boolean help;

        UsageException(String message, boolean help) {
            super(message);
            this.help = help;
        }

        /** @return whether the usage was asked for ({@code --help}) rather than an argument being wrong */
        boolean help() {
            return help;
        }
    }

    /**
     * @throws UsageException for {@code --help} or an unknown argument
     * @throws IllegalArgumentException for an unknown suite or client name
     */
    static BenchmarkOptions parse(String... args) {
        boolean quick = false;
        boolean write = true;
        boolean pin = false;
        Path out = Path.of("docs", "benchmarks.md");
        Set<String> suites = new LinkedHashSet<>(Suites.names());
        Set<String> clients = new LinkedHashSet<>(CLIENTS);
        List<Integer> sizes = SIZES;
        List<String> masters = MASTERS;
        boolean netns = false;
        Path jfr = null;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else if (arg.equals("--pin")) {
                pin = true;
            } else if (arg.equals("--no-write")) {
                write = false;
            } else if (arg.startsWith("--out=")) {
                out = Path.of(arg.substring("--out=".length()));
            } else if (arg.startsWith("--only=")) {
                suites = list("--only", arg, Suites.names());
            } else if (arg.startsWith("--clients=")) {
                clients = list("--clients", arg, CLIENTS);
            } else if (arg.startsWith("--masters=")) {
                masters = List.copyOf(list("--masters", arg, MASTERS));
            } else if (arg.equals("--netns")) {
                netns = true;
            } else if (arg.startsWith("--jfr=")) {
                jfr = Path.of(arg.substring("--jfr=".length()));
            } else if (arg.startsWith("--sizes=")) {
                sizes = Arrays.stream(arg.substring("--sizes=".length()).split(",")).map(Integer::valueOf).toList();
            } else {
                throw new UsageException(usage(), arg.equals("--help"));
            }
        }
        String command = "java -jar kvstore-benchmarks/target/kvstore-benchmarks.jar" + (args.length == 0 ? ""
                : " " + String.join(" ", args));
        return new BenchmarkOptions(quick, write, pin, out, suites, clients, sizes, masters, netns, jfr, command);
    }

    private static Set<String> list(String option, String arg, List<String> allowed) {
        Set<String> names = new LinkedHashSet<>(Arrays.asList(arg.substring(option.length() + 1).split(",")));
        if (!allowed.containsAll(names)) {
            throw new IllegalArgumentException(option + " takes a comma list of " + allowed + ", got " + names);
        }
        return names;
    }

    static String usage() {
        return "usage: java -jar kvstore-benchmarks.jar [--quick] [--only=" + String.join(",", Suites.names())
                + "] [--clients=" + String.join(",", CLIENTS) + "] [--pin] [--sizes=1024,4096,...] [--masters="
                + String.join(",", MASTERS) + "] [--jfr=DIR] [--netns] [--out=docs/benchmarks.md | --no-write]";
    }

    /** @return seconds of warm-up before a measured run */
    double warmup() {
        return quick ? 0.3 : 1.0;
    }

    /** @return seconds of a measured run */
    double seconds() {
        return quick ? 1.0 : 3.0;
    }

    /** @return the scale suite's bound of a master's wait for its workers, and of the ten barriers */
    long scaleTimeoutSeconds() {
        return quick ? 60 : 120;
    }
}
