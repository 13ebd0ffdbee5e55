package dev.kvstore.benchmarks;

import java.util.List;

/** The suites the harness knows, in the order they run (and appear in the report). */
final class Suites {

    /** Add a suite here (and to docs/benchmarks.md's introduction) to make it selectable with {@code --only}. */
    static final List<Suite> ALL = List.of(new ServerThroughputSuite(), new BarrierSuite(), new ClientSuite(),
            new EtcdSuite(), new MemorySuite(), new GatewaySuite(), new ScaleSuite());

    private Suites() {
    }

    /** @return the suites' names, in order */
    static List<String> names() {
        return ALL.stream().map(Suite::name).toList();
    }
}
