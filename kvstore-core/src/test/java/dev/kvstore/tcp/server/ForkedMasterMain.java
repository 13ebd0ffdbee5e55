package dev.kvstore.tcp.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link TcpStoreServer} in a JVM of its own, for attacks that must not share the test's heap. Arguments:
 * maxPendingBytes, partialRequestTimeout (ISO-8601). Prints {@code PORT <n>} once listening, then answers stdin:
 * {@code HEAP} prints {@code HEAP <bytes used after GC>}, {@code STATUS} prints a {@code STATUS key=value...} line,
 * {@code EXHAUST <millis>|forever} makes the event loop fill the heap until an {@link OutOfMemoryError} ends it, and
 * holds that memory for the time given (for good with {@code forever}), {@code QUIT} (or EOF) stops.
 */
public final class ForkedMasterMain {

    private ForkedMasterMain() {
    }

    public static void main(String[] args) throws Exception {
        long maxPendingBytes = Long.parseLong(args[0]);
        Duration partialRequestTimeout = Duration.parse(args[1]);
        try (TcpStoreServer server = TcpStoreServer.builder().port(0).maxPendingBytes(maxPendingBytes)
                .partialRequestTimeout(partialRequestTimeout).build().start()) {
            System.out.println("PORT " + server.port());
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                String line;
                try {
                    line = commands.readLine();
                } catch (OutOfMemoryError whileTheHeapIsExhausted) {
                    continue; // EXHAUST: this thread must outlive the exhaustion to answer afterwards
                }
                if (line == null || line.equals("QUIT")) {
                    break;
                }
                while (true) {
                    try {
                        answer(server, line);
                        break;
                    } catch (OutOfMemoryError whileTheHeapIsExhausted) {
                        Thread.sleep(100); // EXHAUST holds the heap for a while: answer once it is given back
                    }
                }
            }
        }
    }

    private static void answer(TcpStoreServer server, String line) {
        if (line.equals("HEAP")) {
            System.out.println("HEAP " + Heap.usedAfterGc());
        } else if (line.startsWith("EXHAUST ")) {
            String hold = line.substring("EXHAUST ".length());
            HeapExhaustion exhaustion = new HeapExhaustion(hold.equals("forever") ? Long.MAX_VALUE
                    : Long.parseLong(hold));
            System.out.println("ARMED"); // before the loop fills the heap: printing allocates
            server.killLoopForTesting(exhaustion);
        } else if (line.equals("STATUS")) {
            ServerStatus status = server.status();
            System.out.println("STATUS serving=" + status.serving() + " restarts=" + status.loopRestarts()
                    + " failures=" + status.refused(Refusal.FAILURE)
                    + " budgetCloses=" + status.refused(Refusal.PENDING_BUDGET)
                    + " pending=" + status.pendingBytes() + " connections=" + server.connectionCount()
                    + " keys=" + server.keyCount() + " memory=" + status.memoryBytes()
                    + " maxMemory=" + status.maxMemoryBytes()
                    + " memoryCloses=" + status.refused(Refusal.MEMORY_BUDGET)
                    + " oversize=" + status.refused(Refusal.OVERSIZE)
                    + " unreadCloses=" + status.refused(Refusal.UNREAD_REPLIES)
                    + " storeFull=" + status.refused(Refusal.STORE_FULL));
        }
    }

    /**
     * Fills the heap from the event loop until allocation fails, in ever smaller pieces so that nothing is left, and
     * throws that {@link OutOfMemoryError}. A thread started beforehand holds the memory for the given time, so the
     * loop's and the supervisor's error paths run on an exhausted heap.
     */
    private static final class HeapExhaustion implements Runnable {

        private final List<byte[]> ballast = new ArrayList<>(4 * 1024 * 1024);
        private final CountDownLatch filled = new CountDownLatch(1);

        HeapExhaustion(long holdMillis) {
            Thread holder = new Thread(() -> {
                try {
                    filled.await();
                    Thread.sleep(holdMillis); // the exhaustion lasts this long: what the test is about
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (ballast) {
                    ballast.clear();
                }
            }, "heap-exhaustion-holder");
            holder.setDaemon(true);
            holder.start();
        }

        @Override
        public void run() {
            OutOfMemoryError exhausted = null;
            synchronized (ballast) {
                for (int size = 1 << 20; size >= 16; size >>= 2) {
                    try {
                        while (ballast.size() < 4 * 1024 * 1024) {
                            ballast.add(new byte[size]);
                        }
                    } catch (OutOfMemoryError e) {
                        exhausted = e;
                    }
                }
            }
            filled.countDown();
            if (exhausted != null) {
                throw exhausted;
            }
        }
    }
}
