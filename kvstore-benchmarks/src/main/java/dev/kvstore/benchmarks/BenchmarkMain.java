package dev.kvstore.benchmarks;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Runs the benchmark suites and prints the markdown report; unless {@code --no-write}, it is also written to
 * {@code docs/benchmarks.md}, replacing the blocks of the suites that ran and keeping the others ({@link Report}).
 *
 * <pre>
 * java -jar kvstore-benchmarks/target/kvstore-benchmarks.jar [--quick]
 *      [--only=server,barrier,client,etcd,memory,gateway,scale] [--clients=java,torch1.13,torch2.6] [--pin]
 *      [--sizes=1024,4096,...] [--masters=java,torch1.13,torch2.6,torchnewest] [--jfr=DIR] [--netns]
 *      [--out=docs/benchmarks.md | --no-write]
 * </pre>
 *
 * <p>The suites are {@link Suites#ALL}; {@link BenchmarkOptions} parses the command line and {@link Report} writes the
 * document.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (BenchmarkOptions.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(e.help() ? 0 : 2);
            return;
        }
        if (options.netns() && !NetworkNamespace.inside()) {
            System.exit(NetworkNamespace.relaunch(args));
        }
        CpuLayout layout = CpuLayout.detect(options.pin());
        Report report = new Report();
        BenchmarkRun run = new BenchmarkRun(options, layout, report);
        Instant began = Instant.now();
        String masterJvm = "not started";
        String torch26Missing = null;
        List<Suite> selected = Suites.ALL.stream().filter(s -> options.suites().contains(s.name())).toList();
        List<Suite> onMasters = selected.stream().filter(Suite::needsTcpStoreMasters).toList();
        if (!onMasters.isEmpty()) {
            try (TcpStoreMasters masters = new TcpStoreMasters(layout, options.clients())) {
                masterJvm = masters.java().jvm();
                torch26Missing = masters.torch26Missing();
                run.masters(masters);
                for (Suite suite : onMasters) {
                    report.suite(suite.name());
                    suite.run(run);
                }
            } finally {
                run.masters(null);
            }
        }
        for (Suite suite : selected) {
            if (!suite.needsTcpStoreMasters()) {
                report.suite(suite.name());
                suite.run(run);
            }
        }
        String existing = options.write() && Files.exists(options.out()) ? Files.readString(options.out()) : "";
        String text = report.document(Suites.names(), existing, options.command(),
                Duration.between(began, Instant.now()), options.quick(),
                Machine.describe(layout, masterJvm, torch26Missing));
        System.out.println(text);
        if (options.write()) {
            Files.createDirectories(options.out().toAbsolutePath().getParent());
            Files.writeString(options.out(), text);
            System.err.println("wrote " + options.out().toAbsolutePath());
        }
        System.exit(0); // jetcd leaves non-daemon threads behind
    }
}
