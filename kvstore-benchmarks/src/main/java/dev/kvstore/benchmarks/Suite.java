package dev.kvstore.benchmarks;

/**
 * One benchmark suite: it measures, and adds its sections, targets and misses to the run's {@link Report}. Register a
 * new one in {@link Suites#ALL}; {@code --only=NAME} then selects it.
 */
interface Suite {

    /** @return the name {@code --only} selects the suite by */
    String name();

    /**
     * @return whether the suite runs against the TCPStore masters ({@link BenchmarkRun#masters()}); they are started
     *     once for every selected suite that does
     */
    default boolean needsTcpStoreMasters() {
        return false;
    }

    /** Runs the suite. */
    void run(BenchmarkRun run) throws Exception;
}
