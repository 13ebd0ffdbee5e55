package dev.kvstore.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One rank simulator process ({@link RankSimulator}): {@code HOST PORT GENERATION RANKS FIRST_RANK LOOPBACK_RANKS}. Prints
 * {@code READY}, then runs the phases stdin asks for, each answered with one JSON line (and a {@code FAILURE count
 * first_ms reason} line per reason ranks failed for):
 *
 * <pre>
 * INIT TIMEOUT_S                          -> {"start_us": t, "last_us": t, "registered": n, "retries": n, "cpu_s": x}
 * BARRIER ROUNDS WORLD TAG TIMEOUT_S      -> {"starts_us": [..], "ends_us": [..], "released": [..], "cpu_s": x}
 * </pre>
 *
 * <p>Exits when stdin closes. The PING nonce is this process's pid, as a real rank's is its own.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress master = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        RankGeneration generation = RankGeneration.of(args[2]);
        int ranks = Integer.parseInt(args[3]);
        int firstRank = Integer.parseInt(args[4]);
        int loopbackRanks = Integer.parseInt(args[5]);
        try (RankSimulator simulator = new RankSimulator(master, generation, ranks, firstRank, loopbackRanks,
                (int) ProcessHandle.current().pid())) {
            System.out.println("READY");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "INIT" -> {
                        RankSimulator.InitResult r = simulator.init(Duration.ofSeconds(Long.parseLong(words[1])));
                        print(simulator, String.format(Locale.ROOT, "{\"start_us\": %d, \"last_us\": %d, "
                                + "\"registered\": %d, \"retries\": %d, \"cpu_s\": %f}", r.startEpochMicros(),
                                r.lastRegisteredEpochMicros(), r.registered(), r.connectRetries(), r.cpuSeconds()));
                    }
                    case "BARRIER" -> {
                        RankSimulator.BarrierResult r = simulator.barriers(Integer.parseInt(words[1]),
                                Integer.parseInt(words[2]), words[3], Duration.ofSeconds(Long.parseLong(words[4])));
                        print(simulator, String.format(Locale.ROOT, "{\"starts_us\": [%s], \"ends_us\": [%s], "
                                + "\"released\": [%s], \"cpu_s\": %f}", join(r.startEpochMicros()),
                                join(r.endEpochMicros()), Arrays.stream(r.released()).mapToObj(Integer::toString)
                                .collect(Collectors.joining(", ")), r.cpuSeconds()));
                    }
                    default -> System.out.println("{\"error\": \"unknown command " + words[0] + "\"}");
                }
                System.out.flush();
            }
        }
    }

    private static void print(RankSimulator simulator, String json) {
        for (RankSimulator.Failure f : simulator.failures()) {
            System.out.println("FAILURE " + f.count() + " " + f.firstAfterMillis() + " " + f.reason());
        }
        System.out.println(json);
    }

    private static String join(long[] values) {
        return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(", "));
    }
}
