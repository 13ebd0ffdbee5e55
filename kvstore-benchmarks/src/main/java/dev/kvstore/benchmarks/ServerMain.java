package dev.kvstore.benchmarks;

import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * The Java TCPStore master in its own JVM, as PyTorch's master runs in its own process: prints {@code PORT <n>}, then
 * answers stdin commands: {@code HEAP} (heap used after GC, bytes), {@code CONNECTIONS}, {@code JVM} (the processors
 * it sees and the collectors it chose); exits when stdin closes.
 */
public final class ServerMain {

    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        try (TcpStoreServer server = TcpStoreServer.builder().host("127.0.0.1").port(0)
                .legacyProtocol(TcpProtocol.LEGACY).build().start()) {
            System.out.println("PORT " + server.port());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "HEAP" -> System.out.println("HEAP " + heapUsedAfterGc());
                    case "CONNECTIONS" -> System.out.println("CONNECTIONS " + server.connectionCount());
                    case "JVM" -> System.out.println("JVM " + Runtime.getRuntime().availableProcessors()
                            + " CPU(s), GC " + ManagementFactory.getGarbageCollectorMXBeans().stream()
                            .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(" + ")));
                    default -> System.out.println("ERROR unknown command " + line);
                }
                System.out.flush();
            }
        }
    }

    static long heapUsedAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100); // let concurrent GC phases finish; the minimum of a few readings is the live set
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
