package dev.kvstore.benchmarks;

import dev.kvstore.tcp.TcpKVStore;
import dev.kvstore.tcp.protocol.TcpProtocol;
import dev.kvstore.tcp.server.TcpStoreServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The Java TCPStore master in its own JVM, as PyTorch's master runs in its own process.
 *
 * <p>Without arguments: a {@link TcpStoreServer} on port 0; prints {@code PORT <n>}. With {@code PORT WORLD_SIZE
 * TIMEOUT_S}: the master of a rendezvous, as {@code TCPStore(host, PORT, WORLD_SIZE, is_master=True)} is: a
 * {@link TcpKVStore} master on the port that registers itself and waits for the other processes; prints
 * {@code INIT_DONE <epoch µs>} once they all registered, or {@code INIT_FAILED <epoch µs> <reason>}.
 *
 * <p>With {@code --etcd=ENDPOINT[,ENDPOINT...] --prefix=PREFIX} after either form, the server is a gateway: its keys
 * live in that etcd under that prefix ({@link GatewaySuite#etcdStore}). The master of a rendezvous is then the first
 * gateway of the job: its wait for the workers reads the {@code init/} count that every gateway's ranks add to in etcd.
 *
 * <p>It answers stdin commands: {@code HEAP} (heap used after GC, bytes), {@code CONNECTIONS} (of the server; 0 for the
 * master of a rendezvous), {@code JVM} (the processors it sees and the collectors it chose); exits when stdin closes.
 */
public final class ServerMain {

    private ServerMain() {
    }

    public static void main(String[] arguments) throws Exception {
        List<String> args = new ArrayList<>();
        List<String> etcd = List.of();
        String prefix = null;
        for (String argument : arguments) {
            if (argument.startsWith("--etcd=")) {
                etcd = List.of(argument.substring("--etcd=".length()).split(","));
            } else if (argument.startsWith("--prefix=")) {
                prefix = argument.substring("--prefix=".length());
            } else {
                args.add(argument);
            }
        }
        Consumer<TcpStoreServer.Builder> storage = gateway(etcd, prefix);
        if (args.isEmpty()) {
            TcpStoreServer.Builder builder = TcpStoreServer.builder().host("127.0.0.1").port(0)
                    .legacyProtocol(TcpProtocol.LEGACY);
            storage.accept(builder);
            try (TcpStoreServer server = builder.build().start()) {
                print("PORT " + server.port());
                serve(server);
            }
            return;
        }
        TcpKVStore.Builder master = TcpKVStore.builder().host("127.0.0.1").port(Integer.parseInt(args.get(0)))
                .master(true).worldSize(Integer.parseInt(args.get(1)))
                .workerWaitTimeout(Duration.ofSeconds(Long.parseLong(args.get(2))))
                .serverLegacyProtocol(TcpProtocol.LEGACY).server(storage);
        // Commands (HEAP) are answered while the master waits for its workers, too.
        Thread commands = new Thread(() -> {
            try {
                serve(null);
            } catch (Exception e) {
                System.out.println("ERROR " + e);
            }
            System.exit(0);
        }, "commands");
        commands.start();
        try {
            TcpKVStore store = master.build();
            print("INIT_DONE " + epochMicros());
            commands.join(); // serving until stdin closes, which exits
            store.close();
        } catch (RuntimeException e) {
            print("INIT_FAILED " + epochMicros() + " " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** @return what makes a server a gateway on {@code etcd} under {@code prefix}; nothing without endpoints */
    private static Consumer<TcpStoreServer.Builder> gateway(List<String> etcd, @Nullable String prefix) {
        if (etcd.isEmpty()) {
            return server -> { };
        }
        if (prefix == null) {
            throw new IllegalArgumentException("--etcd needs --prefix: the etcd prefix of the job's keys");
        }
        return server -> server.store(GatewaySuite.etcdStore(etcd, prefix));
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static void serve(@Nullable TcpStoreServer server) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "HEAP" -> print("HEAP " + heapUsedAfterGc());
                case "CONNECTIONS" -> print("CONNECTIONS " + (server == null ? 0 : server.connectionCount()));
                case "JVM" -> print("JVM " + Runtime.getRuntime().availableProcessors() + " CPU(s), GC "
                        + ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(" + ")));
                default -> print("ERROR unknown command " + line);
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
