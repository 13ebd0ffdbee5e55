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
 * thread of a bounded pool; one more is refused with 429 and Retry-After instead of queueing behind them.
 */
@Component
class ParkedWaits implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ParkedWaits.class);

    /** How long the HTTP request may outlive the store's own deadline before it is answered 504 regardless. */
    static final Duration GRACE = Duration.ofSeconds(30);

    private final int capacity;
    private final Semaphore slots;
    private final ExecutorService threads;
    /** Set while waits are being refused, so that the WARN and the INFO after it are logged once per episode. */
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final Runnable countRefusal;

    ParkedWaits(SampleLimits limits, ObjectProvider<MeterRegistry> registry) {
        this.capacity = limits.maxConcurrentWaits();
        this.slots = new Semaphore(capacity);
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
                    .description("waits refused with 429 because max-concurrent-waits were parked").register(meters);
            this.countRefusal = refused::increment;
        } else {
            this.countRefusal = () -> { };
        }
    }

    /**
     * Parks a wait: runs it on the wait pool and answers the request when it returns or throws.
     *
     * @param timeout the wait's own deadline; the HTTP request is answered 504 at most {@link #GRACE} after it
     * @throws org.springframework.web.ErrorResponseException 429, when {@code max-concurrent-waits} waits are parked
     */
    <T> DeferredResult<T> park(String what, Duration timeout, Supplier<T> wait) {
        if (!slots.tryAcquire()) {
            countRefusal.run();
            if (refusing.compareAndSet(false, true)) {
                log.warn("All {} wait slots are taken (sample.limits.max-concurrent-waits): refusing waits with 429"
                        + " until one is free", capacity);
            }
            throw ClientErrors.tooManyWaits(capacity);
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
                    release();
                }
            });
        } catch (RejectedExecutionException e) {
            release();
            throw e;
        }
        return answer;
    }

    private void release() {
        slots.release();
        if (refusing.compareAndSet(true, false)) {
            log.info("A wait slot is free again: accepting waits ({} of {} parked)", parked(), capacity);
        }
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
