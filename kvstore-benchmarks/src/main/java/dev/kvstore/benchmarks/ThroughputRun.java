package dev.kvstore.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.LongSupplier;

/**
 * Measures the throughput of workers that run in lockstep: each warms up on its own thread, all start together at a
 * gate, each counts its operations until the measuring time is over; the result is every operation over the span from
 * the first start to the last end.
 */
final class ThroughputRun {

    /** One worker's loop body. */
    interface Worker {

        /** One operation. */
        void operate() throws Exception;

        /** Runs after the warm-up and after the measured loop, e.g. a round trip that drains queued requests. */
        default void settle() throws Exception {
        }
    }

    private ThroughputRun() {
    }

    /** The result: operations per second, and how far a counter moved while the workers were measured. */
    record Result(double opsPerSecond, long counterDelta, long operations) {
    }

    /**
     * @param batch the measured loop checks the clock every {@code batch} operations
     * @return operations per second over all workers
     */
    static double opsPerSecond(List<? extends Worker> workers, double warmupSeconds, double seconds, int batch)
            throws Exception {
        return run(workers, warmupSeconds, seconds, batch, () -> 0).opsPerSecond();
    }

    /**
     * Like {@link #opsPerSecond}, also reading {@code counter} when the workers start measuring and when the last
     * one is done (e.g. the kernel's TCP segment count).
     */
    static Result run(List<? extends Worker> workers, double warmupSeconds, double seconds, int batch,
            LongSupplier counter) throws Exception {
        int count = workers.size();
        CyclicBarrier gate = new CyclicBarrier(count + 1);
        long[] counts = new long[count];
        long[] starts = new long[count];
        long[] ends = new long[count];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            Worker worker = workers.get(i);
            Thread thread = new Thread(() -> {
                try {
                    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                    while (System.nanoTime() < warmEnd) {
                        worker.operate();
                    }
                    worker.settle();
                    gate.await();
                    starts[index] = System.nanoTime();
                    long deadline = starts[index] + (long) (seconds * 1e9);
                    long n = 0;
                    do {
                        worker.operate();
                        n++;
                    } while (n % batch != 0 || System.nanoTime() < deadline);
                    worker.settle();
                    ends[index] = System.nanoTime();
                    counts[index] = n;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "load-" + i);
            threads.add(thread);
            thread.start();
        }
        gate.await();
        long counterBefore = counter.getAsLong();
        for (Thread thread : threads) {
            thread.join();
        }
        long counterDelta = counter.getAsLong() - counterBefore;
        long total = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            if (ends[i] == 0) {
                throw new IllegalStateException("load thread " + i + " failed");
            }
            total += counts[i];
            first = Math.min(first, starts[i]);
            last = Math.max(last, ends[i]);
        }
        return new Result(total / ((last - first) / 1e9), counterDelta, total);
    }
}
