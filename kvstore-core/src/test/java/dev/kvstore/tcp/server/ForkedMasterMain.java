package dev.kvstore.tcp.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link TcpStoreServer} in a JVM of its own, for attacks that must not share the test's heap. Arguments:
 * maxPendingBytes, partialRequestTimeout (ISO-8601). Prints {@code PORT <n>} once listening, then answers stdin:
 * {@code HEAP} prints {@code HEAP <bytes used after GC>}, {@code STATUS} prints a {@code STATUS key=value...} line,
 * {@code QUIT} (or EOF) stops.
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
            for (String line = commands.readLine(); line != null && !line.equals("QUIT");
                    line = commands.readLine()) {
                if (line.equals("HEAP")) {
                    System.out.println("HEAP " + Heap.usedAfterGc());
                } else if (line.equals("STATUS")) {
                    ServerStatus status = server.status();
                    System.out.println("STATUS serving=" + status.serving() + " restarts=" + status.loopRestarts()
                            + " failures=" + status.refused(Refusal.FAILURE)
                            + " budgetCloses=" + status.refused(Refusal.PENDING_BUDGET)
                            + " pending=" + status.pendingBytes() + " connections=" + server.connectionCount()
                            + " keys=" + server.keyCount());
                }
            }
        }
    }
}
