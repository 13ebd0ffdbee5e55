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
 *
 * <p>A loop usually dies of an {@link OutOfMemoryError}, so the supervisor's own error path allocates nothing that
 * could fail: its incidents are constants, and its log lines are tried and skipped. When it cannot go on (a new loop
 * could not be started {@value #MAX_FAILED_RESTARTS} times in a row, loops died of memory exhaustion
 * {@value #MAX_OUT_OF_MEMORY_DEATHS} times in a row, or the supervisor itself failed), it closes the listening socket:
 * a port that accepts connections nobody answers is worse for clients and orchestrators than a closed one.
 */
final class LoopSupervisor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TcpStoreServer.class);
    /** First pause before a dead loop is restarted; doubled per failure in a row up to {@link #MAX_RESTART_PAUSE}. */
    private static final Duration FIRST_RESTART_PAUSE = Duration.ofMillis(10);
    private static final Duration MAX_RESTART_PAUSE = Duration.ofSeconds(1);
    /** A loop that served this long before dying counts as healthy: the next restart is immediate again. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);
    /** Failed starts of a new loop in a row after which the server stops. */
    static final int MAX_FAILED_RESTARTS = 5;
    /** Loops in a row that died of memory exhaustion, none serving for {@link #HEALTHY_RUN}, before the server stops. */
    static final int MAX_OUT_OF_MEMORY_DEATHS = 3;

    // Prepared in advance: when memory has run out, building a description can fail.
    static final String LOOP_DIED = "the event loop died";
    static final String LOOP_DIED_OF_MEMORY = "the event loop died of an OutOfMemoryError";
    static final String RESTART_FAILED = "the event loop could not be restarted";
    static final String STOPPED = "the event loop died and is not restarted (out of memory, or it cannot be started "
            + "again); the listening socket was closed so that no client connects to a server that answers nobody";

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
    /** Closes the listening socket: the server does not go on. */
    private final Runnable stopListening;
    private final Backoff pauses = new Backoff(FIRST_RESTART_PAUSE, MAX_RESTART_PAUSE);
    private int outOfMemoryDeaths;

    LoopSupervisor(String address, ServerCounters counters, IntSupplier keyCount, Supplier<@Nullable Serving> serving,
            Restart restart, Runnable stopListening) {
        this.address = address;
        this.counters = counters;
        this.keyCount = keyCount;
        this.serving = serving;
        this.restart = restart;
        this.stopListening = stopListening;
    }

    @Override
    public void run() {
        boolean goesOn;
        try {
            goesOn = supervise();
        } catch (Throwable e) {
            goesOn = false; // the supervisor itself failed (out of memory): nobody would restart a dead loop
        }
        if (!goesOn) {
            stop();
        }
    }

    /** @return true if the server was closed, false if it cannot go on */
    private boolean supervise() {
        while (true) {
            Serving running = serving.get();
            if (running == null) {
                return true;
            }
            long startedAt = System.nanoTime();
            try {
                running.thread().join();
            } catch (InterruptedException e) {
                return true; // only the server's close interrupts the supervisor
            }
            if (serving.get() == null) {
                return true;
            }
            if (System.nanoTime() - startedAt > HEALTHY_RUN.toNanos()) {
                pauses.reset();
                outOfMemoryDeaths = 0;
            }
            Throwable cause = running.loop().failure();
            boolean outOfMemory = cause instanceof OutOfMemoryError;
            counters.incident(outOfMemory ? LOOP_DIED_OF_MEMORY : LOOP_DIED);
            if (outOfMemory && ++outOfMemoryDeaths >= MAX_OUT_OF_MEMORY_DEATHS) {
                return false;
            }
            long pause = pauses.nextNanos();
            try {
                counters.incident("the event loop died: " + cause);
                log.error("TCPStore server on {}: the event loop died and its connections were closed; restarting it "
                        + "in {} ms with the {} stored keys intact", address, TimeUnit.NANOSECONDS.toMillis(pause),
                        keyCount.getAsInt(), cause);
            } catch (Throwable loggingFailed) {
                // Out of memory for the details: the constant incident above stands, restarting matters more.
            }
            switch (restartAfter(pause)) {
                case CLOSED -> {
                    return true;
                }
                case FAILED -> {
                    return false;
                }
                case STARTED -> {
                    // supervise the new loop
                }
            }
        }
    }

    private enum Outcome { STARTED, CLOSED, FAILED }

    /** Keeps trying while a new loop cannot be started, up to {@link #MAX_FAILED_RESTARTS} times. */
    private Outcome restartAfter(long pauseNanos) {
        for (int attempt = 1; ; attempt++) {
            try {
                TimeUnit.NANOSECONDS.sleep(pauseNanos);
            } catch (InterruptedException e) {
                return Outcome.CLOSED;
            }
            try {
                if (!restart.startUnlessClosed()) {
                    return Outcome.CLOSED;
                }
            } catch (Throwable e) {
                counters.incident(RESTART_FAILED);
                if (attempt >= MAX_FAILED_RESTARTS) {
                    return Outcome.FAILED;
                }
                try {
                    log.error("TCPStore server on {}: restarting the event loop failed ({} of {}); retrying in {} ms",
                            address, attempt, MAX_FAILED_RESTARTS, MAX_RESTART_PAUSE.toMillis(), e);
                } catch (Throwable loggingFailed) {
                    // Retrying matters more than the log line.
                }
                pauseNanos = MAX_RESTART_PAUSE.toNanos();
                continue;
            }
            counters.loopRestarted();
            try {
                log.info("TCPStore server on {} serves again after an event-loop restart", address);
            } catch (Throwable loggingFailed) {
                // It serves; the line is not needed for that.
            }
            return Outcome.STARTED;
        }
    }

    /** The server cannot go on: no port may accept clients that nobody answers. */
    private void stop() {
        counters.serving(false);
        counters.incident(STOPPED);
        try {
            stopListening.run();
        } finally {
            try {
                log.error("TCPStore server on {}: {}", address, STOPPED);
            } catch (Throwable loggingFailed) {
                // The status says it; the socket is closed, which is what matters.
            }
        }
    }
}
