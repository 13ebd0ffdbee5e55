package dev.kvstore.tcp.server;

import dev.kvstore.internal.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor thread of a server: whenever the event loop ends other than by the server's close, it starts a new
 * one on the same port with the stored keys intact (the failed loop's connections are closed, their clients
 * reconnect). The pause before a restart doubles with each failure in a row ({@link Backoff}) and starts over after
 * a loop served for a while.
 */
final class LoopSupervisor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    /** First pause before a dead loop is restarted; doubled per failure in a row up to {@link #MAX_RESTART_PAUSE}. */
    private static final Duration FIRST_RESTART_PAUSE = Duration.ofMillis(10);
    private static final Duration MAX_RESTART_PAUSE = Duration.ofSeconds(1);
    /** A loop that served this long before dying counts as healthy: the next restart is immediate again. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

    /** The loop serving now, on its thread. */
    record Serving(EventLoop loop, Thread thread) {
    }

    /** Starts a new loop under the server's lifecycle lock. */
    @FunctionalInterface
    interface Restart {
        /** @return false if the server was closed meanwhile, so nothing was started */
        boolean startUnlessClosed() throws IOException;
    }

    private final String address;
    private final ServerCounters counters;
    private final IntSupplier keyCount;
    /** The loop serving now; {@code null} once the server was closed. */
    private final Supplier<@Nullable Serving> serving;
    private final Restart restart;
    private final Backoff pauses = new Backoff(FIRST_RESTART_PAUSE, MAX_RESTART_PAUSE);

    LoopSupervisor(String address, ServerCounters counters, IntSupplier keyCount, Supplier<@Nullable Serving> serving,
            Restart restart) {
        this.address = address;
        this.counters = counters;
        this.keyCount = keyCount;
        this.serving = serving;
        this.restart = restart;
    }

    @Override
    public void run() {
        while (true) {
            Serving running = serving.get();
            if (running == null) {
                return;
            }
            long startedAt = System.nanoTime();
            try {
                running.thread().join();
            } catch (InterruptedException e) {
                return; // only the server's close interrupts the supervisor
            }
            if (serving.get() == null) {
                return;
            }
            if (System.nanoTime() - startedAt > HEALTHY_RUN.toNanos()) {
                pauses.reset();
            }
            long pause = pauses.nextNanos();
            Throwable cause = running.loop().failure();
            counters.incident("the event loop died: " + cause);
            try {
                log.error("TCPStore server on {}: the event loop died and its connections were closed; restarting it "
                        + "in {} ms with the {} stored keys intact", address, TimeUnit.NANOSECONDS.toMillis(pause),
                        keyCount.getAsInt(), cause);
            } catch (Throwable loggingFailed) {
                // Restarting matters more than the log line.
            }
            if (!restartAfter(pause)) {
                return;
            }
        }
    }

    /** @return false if the server was closed meanwhile; keeps trying while a new loop cannot be started */
    private boolean restartAfter(long pauseNanos) {
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(pauseNanos);
            } catch (InterruptedException e) {
                return false;
            }
            try {
                if (!restart.startUnlessClosed()) {
                    return false;
                }
                counters.loopRestarted();
                log.info("TCPStore server on {} serves again after an event-loop restart", address);
                return true;
            } catch (IOException | RuntimeException | Error e) {
                counters.incident("the event loop could not be restarted: " + e);
                log.error("TCPStore server on {}: restarting the event loop failed; retrying in {} ms", address,
                        MAX_RESTART_PAUSE.toMillis(), e);
                pauseNanos = MAX_RESTART_PAUSE.toNanos();
            }
        }
    }
}
