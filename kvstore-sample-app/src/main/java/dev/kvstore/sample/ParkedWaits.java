package dev.kvstore.sample;

import dev.kvstore.api.KVStoreTimeoutException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Runs the blocking store waits (rank waits, barriers) off the web server's request threads, so that parked waits
 * never starve other endpoints: the request thread returns at once and the answer comes through a
 * {@link DeferredResult}. At most {@code sample.limits.max-concurrent-waits} waits are parked at once, each on its own
 * thread of a bounded pool, and together they hold at most {@code sample.limits.max-wait-memory} of heap, each charged
 * by {@link #charge}; one more is refused with 429 and Retry-After at once instead of queueing behind them.
 */
@Component
class ParkedWaits implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ParkedWaits.class);

    /** How long the HTTP request may outlive the store's own deadline before it is answered 504 regardless. */
    static final Duration GRACE = Duration.ofSeconds(30);

    /**
     * What a parked wait holds besides its keys, charged per wait: its request's async context and deferred
     * result, its thread's objects, the store call's state (measured well below this).
     */
    static final long WAIT_BYTES = 16 * 1024;
    /**
     * What one key a wait waits for holds, charged per key: the candidate key here, the store client's copy and
     * future, and the embedded master's waiter entry (300 waits of 4096 keys grew the heap by about 150 bytes per key
     * on the client side alone).
     */
    static final long KEY_BYTES = 512;

    private final int capacity;
    private final Semaphore slots;
    private final long memoryLimit;
    private final AtomicLong memoryHeld = new AtomicLong();
    private final ExecutorService threads;
    /** Set while waits are being refused, so that the WARN and the INFO after it are logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final Runnable countRefusal;

    ParkedWaits(SampleLimits limits, ObjectProvider<MeterRegistry> registry) {
        this.capacity = limits.maxConcurrentWaits();
        this.slots = new Semaphore(capacity);
        this.memoryLimit = limits.waitMemoryBytes();
        // Threads are created as waits arrive (never more than the cap: the semaphore enforces it) and retire idle.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(capacity, capacity, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads());
        pool.allowCoreThreadTimeOut(true);
        this.threads = pool;
        MeterRegistry meters = registry.getIfAvailable();
        if (meters != null) {
            Gauge.builder("sample.waits.parked", this, ParkedWaits::parked)
                    .description("HTTP requests parked in a store wait or barrier").register(meters);
            Counter refused = Counter.builder("sample.waits.refused")
                    .description("waits refused with 429 because max-concurrent-waits were parked or parked waits "
                            + "held max-wait-memory").register(meters);
            Gauge.builder("sample.waits.memory", this, ParkedWaits::memoryHeld).baseUnit("bytes")
                    .description("heap charged to parked waits, what max-wait-memory bounds").register(meters);
            this.countRefusal = refused::increment;
        } else {
            this.countRefusal = () -> { };
        }
    }

    /** @return what a wait for {@code keys} keys is charged against {@code max-wait-memory} */
    static long charge(int keys) {
        return WAIT_BYTES + keys * KEY_BYTES;
    }

    /**
     * Parks a wait: runs it on the wait pool and answers the request when it returns or throws.
     *
     * @param keys how many keys the wait waits for (1 for a barrier), what it is {@linkplain #charge charged} by
     * @param timeout the wait's own deadline; the HTTP request is answered 504 at most {@link #GRACE} after it
     * @throws org.springframework.web.ErrorResponseException 429, when {@code max-concurrent-waits} waits are parked
     *     or this one would pass {@code max-wait-memory}
     */
    <T> DeferredResult<T> park(String what, int keys, Duration timeout, Supplier<T> wait) {
        if (!slots.tryAcquire()) {
            refused("All " + capacity + " wait slots are taken (sample.limits.max-concurrent-waits)");
            throw ClientErrors.tooManyWaits(capacity);
        }
        long charge = charge(keys);
        long held = memoryHeld.addAndGet(charge);
        if (held > memoryLimit) {
            memoryHeld.addAndGet(-charge);
            slots.release();
            refused("Parked waits hold " + (held - charge) + " of the " + memoryLimit
                    + " bytes they may (sample.limits.max-wait-memory)");
            throw ClientErrors.waitsHoldTooMuch(what, charge, held - charge, memoryLimit);
        }
        DeferredResult<T> answer = new DeferredResult<>(timeout.plus(GRACE).toMillis());
        answer.onTimeout(() -> answer.setErrorResult(new KVStoreTimeoutException(
                what + " did not return within " + timeout + " plus " + GRACE + " of grace")));
        try {
            threads.execute(() -> {
                try {
                    answer.setResult(wait.get());
                } catch (Throwable e) {
                    answer.setErrorResult(e);
                } finally {
                    release(charge);
                }
            });
        } catch (RejectedExecutionException e) {
            release(charge);
            throw e;
        }
        return answer;
    }

    private void refused(String why) {
        countRefusal.run();
        if (refusing.compareAndSet(false, true)) {
            log.warn("{}: refusing waits with 429 until one is free", why);
        }
    }

    private void release(long charge) {
        memoryHeld.addAndGet(-charge);
        slots.release();
        if (refusing.compareAndSet(true, false)) {
            log.info("A wait slot is free again: accepting waits ({} of {} parked, {} of {} bytes held)", parked(),
                    capacity, memoryHeld(), memoryLimit);
        }
    }

    /** @return heap charged to the waits parked now */
    long memoryHeld() {
        return memoryHeld.get();
    }

    /** @return how many waits are parked now */
    int parked() {
        return capacity - slots.availablePermits();
    }

    @Override
    public void destroy() {
        threads.shutdownNow();
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return (task) -> {
            Thread thread = new Thread(task, "sample-wait-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
