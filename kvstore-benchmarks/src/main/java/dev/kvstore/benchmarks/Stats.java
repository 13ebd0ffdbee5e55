package dev.kvstore.benchmarks;

import java.util.Arrays;

/** Percentiles of latency samples in nanoseconds. */
record Stats(double p50Micros, double p99Micros, double opsPerSecond) {

    /**
     * Warms up (at least {@code minWarmupOps} operations and {@code warmupSeconds}), settles, then times {@code n}
     * operations one after the other.
     *
     * @param settle run after the warm-up and after the timed operations: waits until what was sent is processed
     */
    static Stats warmedUpTime(int n, int minWarmupOps, double warmupSeconds, Runnable operation, Runnable settle) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < minWarmupOps || System.nanoTime() < warmEnd; i++) {
            operation.run();
        }
        settle.run();
        return time(n, operation, settle);
    }

    /**
     * Runs {@code operation} {@code n} times in a row, timing each call; the total time ends after {@code settle}
     * (e.g. a round trip that drains fire-and-forget requests).
     */
    static Stats time(int n, Runnable operation, Runnable settle) {
        long[] samples = new long[n];
        long begin = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            operation.run();
            samples[i] = System.nanoTime() - t0;
        }
        settle.run();
        return of(samples, (System.nanoTime() - begin) / 1e9);
    }

    static Stats of(long[] samplesNanos, double totalSeconds) {
        long[] sorted = samplesNanos.clone();
        Arrays.sort(sorted);
        return new Stats(percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                sorted.length / totalSeconds);
    }

    static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
